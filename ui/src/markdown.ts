// A page's Markdown (as the core made it from the provider's blocks) rendered for the details
// panel: markdown-it with raw HTML off (provider text can never become markup), no network —
// an image shows as its description until the file store serves it — and links that never
// navigate the window: a provider's link opens in the browser through the backend, others are
// shown, not followed.
import MarkdownIt from "markdown-it";

const renderer = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** `markdown` as DOM nodes under a new `<div class="markdown">`; `openLink` is asked to open a
 * link the person clicks. */
export function renderMarkdown(doc: Document, markdown: string, openLink: (url: string) => void): HTMLElement {
  const root = doc.createElement("div");
  root.className = "markdown";
  // markdown-it escapes every character of the source that HTML would read (html: false) and
  // refuses javascript:, vbscript:, file: and data: links; what it returns is its own markup.
  const parsed = new DOMParser().parseFromString(renderer.render(markdown), "text/html");
  root.append(...Array.from(parsed.body.childNodes).map((node) => doc.importNode(node, true)));
  for (const image of Array.from(root.querySelectorAll("img"))) {
    const alt = image.getAttribute("alt") || "image";
    const placeholder = doc.createElement("span");
    placeholder.className = "image-placeholder";
    placeholder.textContent = `🖼 ${alt}`;
    placeholder.title = image.getAttribute("src") ?? "";
    image.replaceWith(placeholder);
  }
  for (const link of Array.from(root.querySelectorAll("a"))) {
    const href = link.getAttribute("href") ?? "";
    link.title = href;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openLink(href);
    });
  }
  return root;
}
