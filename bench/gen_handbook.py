#!/usr/bin/env python3
"""Deterministic synthetic handbooks for benchmarking procbook.

    bench/gen_handbook.py --rows 10000 --guides 100 --out /tmp/pb/n10000 [--seed 1]

Writes a complete handbook folder: the example's book.toml and data/roles.toml (17 roles,
46 rules), data/resources.csv, the example's guidance plus GUIDES generated pages under
content/library/ (headings, lists, tables, links with anchors between pages), and a
procurements CSV of ROWS rows with the example's column headers. Every cell is drawn from the
values the example CSV uses, so the file is valid by construction; descriptions are generated
Markdown of 1-3 paragraphs. Python 3 standard library only.
"""

import argparse
import csv
import os
import random
import re
import shutil

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORDS = ("the project team will review data quality before the contract is signed and residents "
         "are told how decisions are made while the vendor documents model behaviour and staff "
         "keep a human in the loop for every case the system cannot resolve with confidence").split()
TOPICS = ["Needs assessment", "Market research", "Risk classification", "Data protection",
          "Algorithmic transparency", "Tender documents", "Evaluation of offers", "Contract terms",
          "Human oversight", "Bias testing", "Security requirements", "Accessibility",
          "Exit strategy", "Open source options", "Pilot projects", "Stakeholder involvement",
          "Resident communication", "Model documentation", "Supplier due diligence", "Cost estimation"]
HEADINGS = ["Purpose and scope", "When this applies", "Roles and responsibilities", "Risk assessment",
            "Data protection", "Market dialogue", "Writing requirements", "Evaluation criteria",
            "Contract clauses", "Transparency towards residents", "Testing and acceptance",
            "Monitoring after go-live", "Exit and portability", "Checklist", "Common pitfalls"]
ROLES = ["procurement_officer", "project_lead", "it_data_expert", "legal_officer", "end_user_advocate",
         "public", "privacy_officer", "security_officer", "ai_governance_lead"]
PHASES = ["needs_assessment", "market_research", "solicitation", "evaluation", "contracting",
          "implementation", "monitoring"]


def sentence(rng):
    n = rng.randint(8, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng, lo=2, hi=5):
    return " ".join(sentence(rng) for _ in range(rng.randint(lo, hi)))


def anchor(text):
    out, dash = [], False
    for c in text.lower():
        if c.isalnum():
            if dash and out:
                out.append("-")
            dash = False
            out.append(c)
        else:
            dash = True
    return "".join(out)


def guide_page(rng, i, count):
    topic = TOPICS[i % len(TOPICS)]
    title = f"{topic} ({i + 1})"
    heads = rng.sample(HEADINGS, rng.randint(5, 9))
    roles = rng.sample(ROLES, rng.randint(0, 2))
    phases = rng.sample(PHASES, rng.randint(0, 2))
    fm = [f'title = "{title}"', f"weight = {100 + i}",
          f'description = "Guidance on {topic.lower()} for AI purchases."']
    if roles:
        fm.append("roles = [" + ", ".join(f'"{r}"' for r in roles) + "]")
    if phases:
        fm.append("phases = [" + ", ".join(f'"{p}"' for p in phases) + "]")
    body = [f"# {title}", "", paragraph(rng)]
    for h in heads:
        body += ["", f"## {h}", "", paragraph(rng)]
        kind = rng.random()
        if kind < 0.3:
            body += [""] + [f"- {sentence(rng)}" for _ in range(rng.randint(3, 6))]
        elif kind < 0.45:
            body += ["", "| Step | Who | When |", "| --- | --- | --- |"]
            body += [f"| {rng.choice(HEADINGS)} | {rng.choice(ROLES).replace('_', ' ')} | {rng.choice(PHASES).replace('_', ' ')} |"
                     for _ in range(rng.randint(3, 5))]
        elif kind < 0.6:
            body += ["", "> " + sentence(rng)]
        if rng.random() < 0.5:
            j = rng.randrange(count)
            target_heads = guide_headings(j)
            body += ["", f"See also [{TOPICS[j % len(TOPICS)].lower()}](guide-{j + 1:03d}.md#{anchor(target_heads[0])}) "
                         f"and the [phases](../phases.md)."]
        body += ["", paragraph(rng, 3, 7)]
    return "+++\n" + "\n".join(fm) + "\n+++\n" + "\n".join(body) + "\n"


_HEADS = {}


def guide_headings(j):
    # The headings page j will have: regenerate them from its own seed.
    if j not in _HEADS:
        rng = random.Random(f"guide-{j}")
        _HEADS[j] = rng.sample(HEADINGS, rng.randint(5, 9))
    return _HEADS[j]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--guides", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rule-copies", type=int, default=1,
                    help="write every rule this many times (ids suffixed), to measure scaling with rules")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "data"))
    shutil.copy(os.path.join(REPO, "book.toml"), out)
    for f in ("roles.toml", "resources.csv"):
        shutil.copy(os.path.join(REPO, "data", f), os.path.join(out, "data", f))
    if args.rule_copies > 1:
        roles = os.path.join(out, "data", "roles.toml")
        with open(roles, encoding="utf-8") as f:
            text = f.read()
        head, _, rules = text.partition("\n[[rule]]\n")
        blocks = ("[[rule]]\n" + rules).split("\n[[rule]]\n")
        blocks = [b if b.startswith("[[rule]]") else "[[rule]]\n" + b for b in blocks]
        copies = []
        for k in range(2, args.rule_copies + 1):
            for b in blocks:
                copies.append(re.sub(r'^id = "([^"]+)"', r'id = "\1-copy-%d"' % k, b, count=1, flags=re.M))
        with open(roles, "a", encoding="utf-8") as f:
            f.write("\n\n" + "\n\n".join(copies) + "\n")
    shutil.copytree(os.path.join(REPO, "content"), os.path.join(out, "content"))

    with open(os.path.join(REPO, "data", "procurements.csv"), newline="", encoding="utf-8") as f:
        example = list(csv.reader(f))
    header, rows = example[0], example[1:]
    columns = [sorted({r[c] for r in rows}) for c in range(len(header))]
    id_col = header.index("Project ref")
    title_col = header.index("Project name")
    desc_col = header.index("What is it for?")

    rng = random.Random(args.seed)
    with open(os.path.join(out, "data", "procurements.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(1, args.rows + 1):
            row = [rng.choice(values) for values in columns]
            row[id_col] = f"EC-{i:06d}"
            row[title_col] = f"{rng.choice(rows)[title_col]} #{i}"
            paras = [paragraph(rng, 1, 3) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.2:
                paras.append("\n".join(f"- {sentence(rng)}" for _ in range(3)))
            row[desc_col] = "\n\n".join(paras)
            w.writerow(row)

    lib = os.path.join(out, "content", "library")
    os.makedirs(lib)
    for j in range(args.guides):
        _HEADS.pop(j, None)
        rng_j = random.Random(f"guide-{j}")
        page = guide_page(rng_j, j, args.guides)
        with open(os.path.join(lib, f"guide-{j + 1:03d}.md"), "w", encoding="utf-8") as f:
            f.write(page)


if __name__ == "__main__":
    main()
