"""Do two folders of pages and packs say the same? Each HTML file is compared
as the browser reads it: tags, attributes (in any order) and text, leaving
out whitespace between tags, a self-closed tag's spelling and entities'
spelling; JSON and CSV files as text. The times and snapshot ids of the runs
are left out of both. Prints each difference and a count; exits 1 on any.

    python3 benches/same_pages.py BEFORE NOW
"""
import difflib
import os
import re
import sys
from html.parser import HTMLParser

VOID = {"br", "meta", "link", "input", "img", "hr"}


def norm(text):
    text = re.sub(r"\d\d:\d\d UTC", "HH:MM UTC", text)
    text = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{8}", "SNAPSHOT", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.0-9]*(Z|\+00:00)", "TIME", text)


class Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens, self.text = [], ""

    def flush(self):
        if self.text.strip():
            self.tokens.append(("text", norm(self.text)))
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.flush()
        self.tokens.append(("start", tag, tuple(sorted((k, norm(v or "")) for k, v in attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self.flush()
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        self.text += data

    def handle_decl(self, decl):
        self.flush()
        self.tokens.append(("decl", decl.lower()))


def tokens(path):
    parser = Tokens()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.flush()
    return parser.tokens


def main(before, now):
    compared = differing = 0
    for root, _, files in os.walk(before):
        for name in sorted(files):
            a = os.path.join(root, name)
            b = os.path.join(now, os.path.relpath(a, before))
            if not os.path.exists(b):
                print("only before:", a)
                differing += 1
                continue
            compared += 1
            if name.endswith((".json", ".csv")):
                with open(a) as fa, open(b) as fb:
                    if norm(fa.read()) != norm(fb.read()):
                        print("differs:", b)
                        differing += 1
                continue
            ta, tb = tokens(a), tokens(b)
            changes = [op for op in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes() if op[0] != "equal"]
            if changes:
                differing += 1
                for op, i1, i2, j1, j2 in changes:
                    print(f"{b}: {op}\n  before {ta[i1:i2]}\n  now    {tb[j1:j2]}")
    print(f"{compared} files compared, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
