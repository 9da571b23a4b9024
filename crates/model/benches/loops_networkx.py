"""Cross-check of `pressure loops` and `pressure graph` against networkx and pydot.

For each model: the DOT of `pressure graph` must parse with pydot, and the loops of
`pressure loops` (enumerated completely) must be exactly the elementary cycles networkx finds
in the graph of `pressure graph --format json` (edges between values only: initial-value
edges, edges from constants, lookups and exogenous series, and edges into INITIAL(...)
auxiliaries, which are run constants, cannot carry feedback).

    benches/peers/setup_venv.sh .venv-loops requirements-loops.txt
    .venv-loops/bin/python crates/model/benches/loops_networkx.py target/debug/pressure models/*.toml

Needs pydot and networkx (pinned in benches/peers/requirements-loops.txt). Last run (all models of models/ and
models/examples/ except sanctions.toml, which has more than 100000 loops): identical loop sets.
"""

import json
import pathlib
import re
import subprocess
import sys

import networkx as nx
import pydot


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def initial_only(model):
    names = set()
    for f in pathlib.Path(model).parent.glob("*.toml"):
        pattern = r'\[aux\.(\w+)\]\s*\n(?:dims = .*\n)?equation = "INITIAL\('
        names.update(re.findall(pattern, f.read_text()))
    return names


def main():
    exe, models = sys.argv[1], sys.argv[2:]
    ok = True
    for m in models:
        graphs = pydot.graph_from_dot_data(run(exe, "graph", m))
        assert graphs and len(graphs) == 1, f"{m}: DOT does not parse"
        g = json.loads(run(exe, "graph", m, "--format", "json", "--no-polarity"))
        kinds = {n["id"]: n["kind"] for n in g["nodes"]}
        constant_inits = initial_only(m)
        G = nx.DiGraph()
        for e in g["edges"]:
            if e["kind"] == "initial" or kinds[e["from"]] in ("constant", "lookup", "exogenous"):
                continue
            if e["to"].split(".")[-1] in constant_inits:
                continue
            G.add_edge(e["from"], e["to"])
        theirs = {frozenset(c) for c in nx.simple_cycles(G)}
        loops = json.loads(run(exe, "loops", m, "--format", "json", "--max-loops", "100000"))
        mine = {frozenset(l["variables"]) for l in loops["loops"]}
        same = mine == theirs and loops["complete"]
        ok &= same
        print(f"{m}: DOT parses ({len(graphs[0].get_edges())} edges); networkx {len(theirs)} cycles, "
              f"pressure {len(mine)} loops; identical: {same}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
