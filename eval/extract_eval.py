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
import hashlib
import random
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


URL_LINE = re.compile(r'^URL:\s*(\S+)')
URL_TEXT = re.compile(r'<text id="([^"]+)"')
URL_LINK = re.compile(
    r'<link[^>]+rel=["\']?canonical["\']?[^>]*href=["\']?([^"\' >]+)'
    r'|<meta[^>]+property=["\']og:url["\'][^>]*content=["\']([^"\']+)', re.I)


def host(url):
    m = re.match(r'^[a-z]+://([^/:?#]+)', url.strip(), re.I)
    if not m:
        return None
    h = m.group(1).lower()
    return h[4:] if h.startswith('www.') else h


def site_of(name, pid, html_text, gold, url):
    if url:
        h = host(url)
        if h:
            return h
    if name == 'readability':
        return re.sub(r'-\d+$', '', pid)
    m = URL_LINE.match(gold) if gold else None
    m = m or URL_TEXT.search(html_text[:2048])
    if m:
        h = host(m.group(1))
        if h:
            return h
    m = URL_LINK.search(html_text)
    if m:
        h = host(m.group(1) or m.group(2))
        if h:
            return h
    return name + ':' + pid


def split_of(site):
    return 'test' if hashlib.md5(site.encode()).digest()[0] & 1 else 'tune'


def write_set(out_dir, name, pages):
    n = 0
    with open(os.path.join(out_dir, name + '.jsonl'), 'w') as f, \
            open(os.path.join(out_dir, name + '.gold.jsonl'), 'w') as g, \
            open(os.path.join(out_dir, name + '.sites.tsv'), 'w') as t:
        for pid, raw, gold, url in pages:
            if gold is None or not gold.strip():
                continue
            h = decode(raw)
            site = site_of(name, pid, h, gold, url)
            f.write(json.dumps({'id': pid, 'html': h}) + '\n')
            g.write(json.dumps({'id': pid, 'text': gold}) + '\n')
            t.write('%s\t%s\t%s\n' % (pid, site, split_of(site)))
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
            text = decode(f.read())
        m = URL_LINE.match(text)
        yield stem, raw, gold_fn(text), m.group(1) if m else None


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
                        yield (pid, f.read(), gt[pid]['articleBody'],
                               gt[pid].get('url'))
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


def in_split(gold_path, split):
    """The page ids of SPLIT (None: every page)."""
    if split in (None, 'all'):
        return None
    ids = set()
    with open(gold_path.replace('.gold.jsonl', '.sites.tsv')) as f:
        for line in f:
            pid, _, sp = line.rstrip('\n').split('\t')
            if sp == split:
                ids.add(pid)
    return ids


def load(path, field='text'):
    out = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            out[d['id']] = tokens(d.get(field, '') or '')
    return out


def page_scores(gold_path, pred_path, split=None):
    """[(id, P, R)] over the pages of SPLIT with non-empty gold.  Paths may
    be comma-separated lists of the same length (several sets pooled)."""
    if ',' in gold_path:
        rows = []
        for k, (g, p) in enumerate(zip(gold_path.split(','),
                                       pred_path.split(','))):
            rows += [('%d:%s' % (k, r[0]),) + r[1:]
                     for r in page_scores(g, p, split)]
        return rows
    keep = in_split(gold_path, split)
    gold = load(gold_path)
    pred = load(pred_path)
    out = []
    for pid, g in gold.items():
        if keep is not None and pid not in keep:
            continue
        gn = sum(g.values())
        if not gn:
            continue
        p = pred.get(pid, collections.Counter())
        pn = sum(p.values())
        tp = sum((g & p).values())
        out.append((pid, tp / pn if pn else 0.0, tp / gn))
    return out


def f1(rows):
    if not rows:
        return 0.0, 0.0, 0.0
    P = sum(r[1] for r in rows) / len(rows)
    R = sum(r[2] for r in rows) / len(rows)
    return P, R, (2 * P * R / (P + R) if P + R else 0.0)


def score(gold_path, pred_path, split=None):
    rows = page_scores(gold_path, pred_path, split)
    print('%d %.3f %.3f %.3f' % ((len(rows),) + f1(rows)))


def paired(gold_path, a_path, b_path, split=None):
    a = page_scores(gold_path, a_path, split)
    b = page_scores(gold_path, b_path, split)
    n = len(a)
    d = f1(a)[2] - f1(b)[2]
    rng = random.Random(11)
    diffs = []
    for _ in range(2000):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(f1([a[i] for i in idx])[2] - f1([b[i] for i in idx])[2])
    diffs.sort()
    print('%d %+.3f %+.3f %+.3f' % (n, d, diffs[49], diffs[1949]))


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'prepare':
        prepare(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == 'score':
        score(*sys.argv[2:])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == 'paired':
        paired(*sys.argv[2:])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == 'pages':
        for pid, p, r in page_scores(*sys.argv[2:]):
            print('%s %.3f %.3f' % (pid, p, r))
    else:
        sys.exit(__doc__)
