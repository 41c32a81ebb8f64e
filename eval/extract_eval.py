#!/usr/bin/env python3
"""extract_eval.py - token-level accuracy of `winnow extract` against gold.

Two commands, used by eval/eval_extract.sh:

  prepare DATA_DIR UNPACK_DIR OUT_DIR
      Writes OUT_DIR/<set>.jsonl ({"id", "html"} per page, the bytes decoded
      with the page's declared charset, else UTF-8, else windows-1252) and
      OUT_DIR/<set>.gold.jsonl ({"id", "text"}) for every data set found:
      scrapinghub-aeb (gold: articleBody), cleaneval-dev, cleaneval-final,
      cleanportaleval (CleanEval markup <p> <h> <l> stripped, URL line
      dropped), dragnet (article only: text before the "COMMENTS"
      separator), readability (gold is HTML: tags stripped).
  score GOLD.jsonl PRED.jsonl
      Prints "pages P R F1": per page, precision and recall of the bag of
      lowercased word tokens (\\w+) of the prediction against the gold
      (multiset overlap, as the Article Extraction Benchmark scores);
      P and R are means over pages with non-empty gold, a page without
      output scoring 0/0; F1 = 2PR/(P+R).
"""
import collections
import glob
import gzip
import html
import html.parser
import json
import os
import re
import sys

CHARSET = re.compile(rb'charset\s*=\s*["\']?([A-Za-z0-9_.:-]+)', re.I)
CE_ENC = re.compile(rb'<text [^>]*encoding="([^"]+)"', re.I)


def decode(raw):
    names = []
    m = CE_ENC.search(raw[:2048])
    if m:
        names.append(m.group(1).decode('ascii', 'replace'))
    m = CHARSET.search(raw[:4096])
    if m:
        names.append(m.group(1).decode('ascii', 'replace'))
    for n in names:
        n = n.lower().replace('unknown-', '')
        try:
            return raw.decode(n)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        return raw.decode('cp1252', 'replace')


class Strip(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []

    def handle_data(self, d):
        self.out.append(d)

    def handle_starttag(self, tag, attrs):
        self.out.append('\n')

    def handle_endtag(self, tag):
        self.out.append('\n')


def strip_html(s):
    p = Strip()
    p.feed(s)
    p.close()
    return ''.join(p.out)


def cleaneval_gold(s):
    lines = s.split('\n')
    if lines and lines[0].startswith('URL:'):
        lines = lines[1:]
    return re.sub(r'<[phl]>', ' ', '\n'.join(lines))


def write_set(out_dir, name, pages):
    n = 0
    with open(os.path.join(out_dir, name + '.jsonl'), 'w') as f, \
            open(os.path.join(out_dir, name + '.gold.jsonl'), 'w') as g:
        for pid, raw, gold in pages:
            if gold is None or not gold.strip():
                continue
            f.write(json.dumps({'id': pid, 'html': decode(raw)}) + '\n')
            g.write(json.dumps({'id': pid, 'text': gold}) + '\n')
            n += 1
    return n


def pairs(unpacked, sub, gold_fn, gold_ext='.txt'):
    base = os.path.join(unpacked, sub)
    for p in sorted(glob.glob(os.path.join(base, 'input', '*.html'))):
        stem = os.path.splitext(os.path.basename(p))[0]
        gp = os.path.join(base, 'GoldStandard', stem + gold_ext)
        if not os.path.exists(gp):
            continue
        with open(p, 'rb') as f:
            raw = f.read()
        with open(gp, 'rb') as f:
            gold = gold_fn(decode(f.read()))
        yield stem, raw, gold


def prepare(data, unpacked, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    sets = []
    aeb = os.path.join(data, 'scrapinghub-aeb', 'ground-truth.json')
    if os.path.exists(aeb):
        with open(aeb) as f:
            gt = json.load(f)

        def aeb_pages():
            for pid in sorted(gt):
                p = os.path.join(data, 'scrapinghub-aeb', 'html',
                                 pid + '.html.gz')
                if os.path.exists(p):
                    with gzip.open(p) as f:
                        yield pid, f.read(), gt[pid]['articleBody']
        sets.append(('aeb', aeb_pages()))
    for name, sub, fn in (
            ('cleaneval-dev', 'cleaneval-dev', cleaneval_gold),
            ('cleaneval-final', 'cleaneval-final', cleaneval_gold),
            ('cleanportaleval', 'CleanPortalEval-master', cleaneval_gold),
            ('dragnet', 'dragnet_data',
             lambda s: s.split('!@#$%^&*()  COMMENTS')[0]),
            ('readability', 'readability', strip_html)):
        if os.path.isdir(os.path.join(unpacked, sub)):
            sets.append((name, pairs(unpacked, sub, fn)))
    for name, pages in sets:
        print(name, write_set(out_dir, name, pages))


def tokens(s):
    return collections.Counter(re.findall(r'\w+', s.lower()))


def score(gold_path, pred_path):
    gold = {}
    with open(gold_path) as f:
        for line in f:
            d = json.loads(line)
            gold[d['id']] = tokens(d['text'])
    pred = {}
    with open(pred_path) as f:
        for line in f:
            d = json.loads(line)
            pred[d['id']] = tokens(d.get('text', ''))
    ps, rs = [], []
    for pid, g in gold.items():
        gn = sum(g.values())
        if not gn:
            continue
        p = pred.get(pid, collections.Counter())
        pn = sum(p.values())
        tp = sum((g & p).values())
        ps.append(tp / pn if pn else 0.0)
        rs.append(tp / gn)
    P = sum(ps) / len(ps) if ps else 0.0
    R = sum(rs) / len(rs) if rs else 0.0
    F = 2 * P * R / (P + R) if P + R else 0.0
    print('%d %.3f %.3f %.3f' % (len(ps), P, R, F))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'prepare':
        prepare(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == 'score':
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
