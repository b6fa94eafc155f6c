#!/usr/bin/env python3
"""The shape ARCHITECTURE.md promises, checked by `make lint`:

  scripts/check-shape.py cycles CRATE_SRC      the top-level modules of a crate form no cycle
                                               (test sections ignored); exit 1 on a cycle
  scripts/check-shape.py commands DIR [MAX]    every #[tauri::command] fn is at most MAX lines
                                               (default 15): commands stay wiring; exit 1 if not
"""
import os
import re
import sys


def rust_files(folder):
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".rs"):
                yield os.path.join(root, name)


def module_graph(src):
    """Edges module -> modules it names as `crate::m` (outside #[cfg(test)] and comments)."""
    graph = {}
    for path in rust_files(src):
        parts = os.path.relpath(path, src).split(os.sep)
        module = "crate" if parts in (["lib.rs"], ["main.rs"]) else parts[0].removesuffix(".rs")
        text = open(path, encoding="utf-8", errors="replace").read()
        test_section = text.find("#[cfg(test)]")
        if test_section >= 0:
            text = text[:test_section]
        text = re.sub(r"//[^\n]*", "", text)
        named = set(re.findall(r"\bcrate::(\w+)", text))
        for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
            named |= {item.strip().split("::")[0] for item in group.split(",") if item.strip()}
        graph.setdefault(module, set()).update(n for n in named if n not in (module, "self", "super"))
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (iterative Tarjan)."""
    order, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    nodes = set(graph) | {m for targets in graph.values() for m in targets}
    for start in sorted(nodes):
        if start in order:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        order[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in order:
                order[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], order[child])
    return found


def command_lengths(folder):
    """(lines, place, name) of every #[tauri::command] function, from its `fn` to its closing brace."""
    rows = []
    for path in rust_files(folder):
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
        for i, line in enumerate(lines):
            if "#[tauri::command" not in line:
                continue
            start = i
            while start < len(lines) and not re.search(r"\bfn\s+\w+", lines[start]):
                start += 1
            name = re.search(r"\bfn\s+(\w+)", lines[start]).group(1)
            depth, end, opened = 0, start, False
            for end in range(start, len(lines)):
                depth += lines[end].count("{") - lines[end].count("}")
                opened = opened or "{" in lines[end]
                if opened and depth <= 0:
                    break
            rows.append((end - start + 1, f"{os.path.relpath(path, folder)}:{start + 1}", name))
    return sorted(rows, reverse=True)


def main(argv):
    if len(argv) >= 2 and argv[0] == "cycles":
        graph = module_graph(argv[1])
        found = cycles(graph)
        for component in found:
            print("module cycle: " + " -> ".join(component))
        if not found:
            print(f"shape: no module cycle among {len(graph)} top-level modules of {argv[1]}")
        return 1 if found else 0
    if len(argv) >= 2 and argv[0] == "commands":
        limit = int(argv[2]) if len(argv) > 2 else 15
        rows = command_lengths(argv[1])
        over = [row for row in rows if row[0] > limit]
        for lines, place, name in over:
            print(f"command {name} ({place}) is {lines} lines, over {limit}: move the work into the core")
        longest = rows[0][0] if rows else 0
        print(f"shape: {len(rows)} commands, {len(over)} over {limit} lines (longest {longest})")
        return 1 if over else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
