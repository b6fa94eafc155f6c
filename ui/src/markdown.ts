// A page's Markdown (as the core made it from the provider's blocks) rendered for the details
// panel: markdown-it with raw HTML off (provider text can never become markup), no network —
// an image shows only from the local file store (a file Inlet kept, through the `inlet-file`
// protocol), any other as its description — and links that never navigate the window: a kept
// file opens with the system viewer, a provider's link in the browser through the backend.
import MarkdownIt from "markdown-it";

const renderer = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** The scheme the core writes for a file it keeps: `inlet-file:<source>`. */
const FILE_SCHEME = "inlet-file:";

/** A file kept locally, as the renderer needs it. */
export interface KeptFile {
  hash: string;
  name: string;
}

/** The URL the window reads a kept file from (Tauri's custom protocols are served from
 * `http://<scheme>.localhost` on Windows). */
export function keptFileUrl(hash: string, userAgent = globalThis.navigator?.userAgent ?? ""): string {
  return userAgent.includes("Windows") ? `http://inlet-file.localhost/${hash}` : `inlet-file://localhost/${hash}`;
}

export interface MarkdownLinks {
  /** A link the person clicked (a provider's page, an external site). */
  open(url: string): void;
  /** A kept file's link was clicked. */
  openFile(file: KeptFile): void;
  /** The kept file an `inlet-file:` link names, when it is kept. */
  resolve(source: string): KeptFile | null;
}

/** `markdown` as DOM nodes under a new `<div class="markdown">`. */
export function renderMarkdown(doc: Document, markdown: string, links: MarkdownLinks): HTMLElement {
  const root = doc.createElement("div");
  root.className = "markdown";
  // markdown-it escapes every character of the source that HTML would read (html: false) and
  // refuses javascript:, vbscript:, file: and data: links; what it returns is its own markup.
  // Images and links are settled in the parsed copy, before anything joins the live page.
  const parsed = new DOMParser().parseFromString(renderer.render(markdown), "text/html");
  const kept = (href: string) => (href.startsWith(FILE_SCHEME) ? links.resolve(decoded(href.slice(FILE_SCHEME.length))) : null);
  for (const image of Array.from(parsed.body.querySelectorAll("img"))) {
    const src = image.getAttribute("src") ?? "";
    const file = kept(src);
    if (file) {
      image.setAttribute("src", keptFileUrl(file.hash));
      continue;
    }
    const alt = image.getAttribute("alt") || "image";
    const placeholder = parsed.createElement("span");
    placeholder.className = "image-placeholder";
    placeholder.textContent = src.startsWith(FILE_SCHEME) ? `🖼 ${alt} (not kept on this computer)` : `🖼 ${alt}`;
    placeholder.title = src.startsWith(FILE_SCHEME) ? "" : src;
    image.replaceWith(placeholder);
  }
  root.append(...Array.from(parsed.body.childNodes).map((node) => doc.importNode(node, true)));
  // A link keeps its target out of `href`: no middle-click, drag or keyboard shortcut can follow
  // it past the handler.
  for (const link of Array.from(root.querySelectorAll("a"))) {
    const href = link.getAttribute("href") ?? "";
    link.removeAttribute("href");
    link.dataset.href = href;
    link.tabIndex = 0;
    link.setAttribute("role", "link");
    const file = kept(href);
    link.title = file ? `Open ${file.name}` : href.startsWith(FILE_SCHEME) ? "Not kept on this computer" : href;
    const follow = () => {
      if (file) links.openFile(file);
      else if (!href.startsWith(FILE_SCHEME)) links.open(href);
    };
    link.addEventListener("click", (event) => {
      event.preventDefault();
      follow();
    });
    link.addEventListener("keydown", (event) => {
      if (event.key === "Enter") follow();
    });
  }
  return root;
}

/** `text` percent-decoded, or as it is when it is not valid percent-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
