/* AES-128 (FIPS-197), table-based S-box, byte-oriented for small code; AES-CMAC (RFC 4493). */
#include "aes.h"
#include <string.h>

static const uint8_t sbox[256] = {
  0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
  0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
  0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
  0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
  0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
  0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
  0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
  0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
  0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
  0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
  0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
  0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
  0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
  0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
  0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
  0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static const uint8_t rcon[11] = {0x8d, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};

static uint8_t xtime(uint8_t x) { return (uint8_t)((x << 1) ^ (((x >> 7) & 1u) * 0x1bu)); }

void aes_init(aes_ctx_t *ctx, const uint8_t key[16]) {
  uint8_t *rk = ctx->round_key;
  memcpy(rk, key, 16);
  for (unsigned i = 4; i < 44; i++) {
    uint8_t t[4];
    memcpy(t, &rk[(i - 1) * 4], 4);
    if (i % 4 == 0) {
      uint8_t u = t[0];
      t[0] = (uint8_t)(sbox[t[1]] ^ rcon[i / 4]);
      t[1] = sbox[t[2]];
      t[2] = sbox[t[3]];
      t[3] = sbox[u];
    }
    for (unsigned j = 0; j < 4; j++) rk[i * 4 + j] = (uint8_t)(rk[(i - 4) * 4 + j] ^ t[j]);
  }
}

static void add_round_key(uint8_t s[16], const uint8_t *rk) {
  for (unsigned i = 0; i < 16; i++) s[i] ^= rk[i];
}

static void sub_bytes_shift_rows(uint8_t s[16]) {
  uint8_t t;
  for (unsigned i = 0; i < 16; i++) s[i] = sbox[s[i]];
  t = s[1]; s[1] = s[5]; s[5] = s[9]; s[9] = s[13]; s[13] = t;
  t = s[2]; s[2] = s[10]; s[10] = t;
  t = s[6]; s[6] = s[14]; s[14] = t;
  t = s[3]; s[3] = s[15]; s[15] = s[11]; s[11] = s[7]; s[7] = t;
}

static void mix_columns(uint8_t s[16]) {
  for (unsigned c = 0; c < 4; c++) {
    uint8_t *col = &s[c * 4];
    uint8_t a = col[0], b = col[1], d = col[2], e = col[3];
    uint8_t all = (uint8_t)(a ^ b ^ d ^ e);
    col[0] ^= (uint8_t)(all ^ xtime((uint8_t)(a ^ b)));
    col[1] ^= (uint8_t)(all ^ xtime((uint8_t)(b ^ d)));
    col[2] ^= (uint8_t)(all ^ xtime((uint8_t)(d ^ e)));
    col[3] ^= (uint8_t)(all ^ xtime((uint8_t)(e ^ a)));
  }
}

void aes_encrypt_block(const aes_ctx_t *ctx, const uint8_t in[16], uint8_t out[16]) {
  uint8_t s[16];
  memcpy(s, in, 16);
  add_round_key(s, ctx->round_key);
  for (unsigned round = 1; round < 10; round++) {
    sub_bytes_shift_rows(s);
    mix_columns(s);
    add_round_key(s, ctx->round_key + round * 16);
  }
  sub_bytes_shift_rows(s);
  add_round_key(s, ctx->round_key + 160);
  memcpy(out, s, 16);
}

static void shift_left(const uint8_t in[16], uint8_t out[16]) {
  uint8_t carry = 0;
  for (int i = 15; i >= 0; i--) {
    uint8_t b = in[i];
    out[i] = (uint8_t)((b << 1) | carry);
    carry = (uint8_t)(b >> 7);
  }
}

void cmac_init(cmac_ctx_t *ctx, const uint8_t key[16]) {
  uint8_t l[16] = {0};
  aes_init(&ctx->aes, key);
  aes_encrypt_block(&ctx->aes, l, l);
  shift_left(l, ctx->k1);
  if (l[0] & 0x80) ctx->k1[15] ^= 0x87;
  shift_left(ctx->k1, ctx->k2);
  if (ctx->k1[0] & 0x80) ctx->k2[15] ^= 0x87;
  memset(ctx->x, 0, 16);
  ctx->last_len = 0;
}

void cmac_update(cmac_ctx_t *ctx, const uint8_t *data, size_t len) {
  while (len > 0) {
    if (ctx->last_len == 16) {
      for (unsigned i = 0; i < 16; i++) ctx->x[i] ^= ctx->last[i];
      aes_encrypt_block(&ctx->aes, ctx->x, ctx->x);
      ctx->last_len = 0;
    }
    size_t n = 16 - ctx->last_len;
    if (n > len) n = len;
    memcpy(ctx->last + ctx->last_len, data, n);
    ctx->last_len += n;
    data += n;
    len -= n;
  }
}

void cmac_final(cmac_ctx_t *ctx, uint8_t mac[16]) {
  if (ctx->last_len == 16) {
    for (unsigned i = 0; i < 16; i++) ctx->last[i] ^= ctx->k1[i];
  } else {
    ctx->last[ctx->last_len] = 0x80;
    for (size_t i = ctx->last_len + 1; i < 16; i++) ctx->last[i] = 0;
    for (unsigned i = 0; i < 16; i++) ctx->last[i] ^= ctx->k2[i];
  }
  for (unsigned i = 0; i < 16; i++) ctx->x[i] ^= ctx->last[i];
  aes_encrypt_block(&ctx->aes, ctx->x, mac);
}

void aes_ctr_crypt(const aes_ctx_t *ctx, uint8_t *data, size_t len, uint8_t a_block[16]) {
  uint8_t s[16];
  uint8_t counter = 1;
  while (len > 0) {
    a_block[15] = counter++;
    aes_encrypt_block(ctx, a_block, s);
    size_t n = len < 16 ? len : 16;
    for (size_t i = 0; i < n; i++) data[i] ^= s[i];
    data += n;
    len -= n;
  }
}
