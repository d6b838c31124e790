#ifndef STORAGE_H
#define STORAGE_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
typedef enum { KEY_SESSION = 1, KEY_CONFIG = 2, KEY_COUNTERS = 3, KEY_GPS = 4 } storage_key_t;
void storage_init(void);
bool storage_read(storage_key_t key, void *data, size_t len);
bool storage_write(storage_key_t key, const void *data, size_t len);
uint32_t storage_erase_count(void);
#endif
