"""Memory of a process tree, as the benchmarks report it: PSS (smaps_rollup) of some processes and
every process under them, WebKit's web and network processes included; and the report itself."""
import json
import os


def children_of():
    """Every process's children, by parent pid (from /proc)."""
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def tree_pss_kb(roots):
    """{pid: (comm, PSS in kB)} of `roots` and every process under them."""
    kids, found, todo = children_of(), {}, list(roots)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                kb = sum(int(l.split()[1]) for l in f if l.startswith("Pss:"))
            with open(f"/proc/{pid}/comm") as f:
                found[pid] = (f.read().strip(), kb)
        except OSError:
            found[pid] = ("", 0)
        todo.extend(kids.get(pid, []))
    return found


def report(figures, artifacts, file_name):
    """Prints the figures as a table and keeps them as JSON in `artifacts/file_name`."""
    for what, value in figures.items():
        print(f"{what:<64} {value:>10}")
    with open(os.path.join(artifacts, file_name), "w") as f:
        json.dump(figures, f, indent=2)
