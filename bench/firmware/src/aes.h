#ifndef AES_H
#define AES_H
#include <stdint.h>
#include <stddef.h>

typedef struct {
  uint8_t round_key[176];
} aes_ctx_t;

typedef struct {
  aes_ctx_t aes;
  uint8_t k1[16], k2[16];
  uint8_t x[16];
  uint8_t last[16];
  size_t last_len;
} cmac_ctx_t;

void aes_init(aes_ctx_t *ctx, const uint8_t key[16]);
void aes_encrypt_block(const aes_ctx_t *ctx, const uint8_t in[16], uint8_t out[16]);
void cmac_init(cmac_ctx_t *ctx, const uint8_t key[16]);
void cmac_update(cmac_ctx_t *ctx, const uint8_t *data, size_t len);
void cmac_final(cmac_ctx_t *ctx, uint8_t mac[16]);
void aes_ctr_crypt(const aes_ctx_t *ctx, uint8_t *data, size_t len, uint8_t a_block[16]);
#endif
