/* Log-structured key/value records in one flash page: each record is
 * [key:1][len:1][crc16:2][data][pad to 8]; the newest valid record of a key wins and the page
 * is compacted through RAM when full. Flash is programmed in double words. */
#include "storage.h"
#include "board.h"
#include "config.h"
#include "crc.h"
#include <string.h>

#define RECORD_HEADER 4u
#define ERASED 0xFFu

static uint32_t write_offset;
static uint32_t erase_count;

static const uint8_t *page(void) { return (const uint8_t *)STORAGE_PAGE_ADDR; }

static void flash_unlock(void) {
  if (FLASH_CTRL->CR & (1u << 31)) {
    FLASH_CTRL->KEYR = 0x45670123u;
    FLASH_CTRL->KEYR = 0xCDEF89ABu;
  }
}

static void flash_wait(void) {
  while (FLASH_CTRL->SR & (1u << 16)) {
  }
  FLASH_CTRL->SR = FLASH_CTRL->SR & 0x3FAu;
}

static void flash_erase_page(void) {
  flash_unlock();
  flash_wait();
  uint32_t index = (STORAGE_PAGE_ADDR - 0x08000000u) / STORAGE_PAGE_SIZE;
  FLASH_CTRL->CR = (FLASH_CTRL->CR & ~(0xFFu << 3)) | (index << 3) | (1u << 1);
  FLASH_CTRL->CR |= 1u << 16;
  flash_wait();
  FLASH_CTRL->CR &= ~(1u << 1);
  erase_count++;
}

static void flash_program(uint32_t offset, const uint8_t *data, uint32_t len) {
  flash_unlock();
  flash_wait();
  FLASH_CTRL->CR |= 1u;
  for (uint32_t i = 0; i < len; i += 8) {
    uint32_t w[2] = {0xFFFFFFFFu, 0xFFFFFFFFu};
    memcpy(w, data + i, len - i < 8 ? len - i : 8);
    volatile uint32_t *dst = (volatile uint32_t *)(STORAGE_PAGE_ADDR + offset + i);
    dst[0] = w[0];
    dst[1] = w[1];
    flash_wait();
  }
  FLASH_CTRL->CR &= ~1u;
}

static uint32_t record_size(uint8_t len) { return (RECORD_HEADER + len + 7u) & ~7u; }

static bool record_valid(uint32_t offset) {
  const uint8_t *r = page() + offset;
  if (r[0] == ERASED || offset + record_size(r[1]) > STORAGE_PAGE_SIZE) return false;
  uint16_t crc = crc16_ccitt(0xFFFF, &r[RECORD_HEADER], r[1]);
  crc = crc16_ccitt(crc, r, 2);
  return crc == (uint16_t)(r[2] | r[3] << 8);
}

void storage_init(void) {
  write_offset = 0;
  while (write_offset < STORAGE_PAGE_SIZE && page()[write_offset] != ERASED) {
    if (!record_valid(write_offset)) break;
    write_offset += record_size(page()[write_offset + 1]);
  }
}

static const uint8_t *find(storage_key_t key) {
  const uint8_t *found = NULL;
  for (uint32_t off = 0; off < write_offset; off += record_size(page()[off + 1])) {
    if (page()[off] == key && record_valid(off)) found = page() + off;
  }
  return found;
}

bool storage_read(storage_key_t key, void *data, size_t len) {
  const uint8_t *r = find(key);
  if (!r || r[1] != len) return false;
  memcpy(data, r + RECORD_HEADER, len);
  return true;
}

static void compact(void) {
  static uint8_t keep[STORAGE_PAGE_SIZE / 2];
  uint32_t used = 0;
  for (uint8_t key = 1; key <= 4; key++) {
    const uint8_t *r = find((storage_key_t)key);
    if (!r) continue;
    uint32_t size = record_size(r[1]);
    if (used + size > sizeof keep) break;
    memcpy(keep + used, r, size);
    used += size;
  }
  flash_erase_page();
  flash_program(0, keep, used);
  write_offset = used;
}

bool storage_write(storage_key_t key, const void *data, size_t len) {
  if (len > 200) return false;
  uint8_t record[208];
  uint32_t size = record_size((uint8_t)len);
  memset(record, ERASED, sizeof record);
  record[0] = (uint8_t)key;
  record[1] = (uint8_t)len;
  memcpy(&record[RECORD_HEADER], data, len);
  uint16_t crc = crc16_ccitt(0xFFFF, &record[RECORD_HEADER], len);
  crc = crc16_ccitt(crc, record, 2);
  record[2] = (uint8_t)crc;
  record[3] = (uint8_t)(crc >> 8);
  if (write_offset + size > STORAGE_PAGE_SIZE) compact();
  if (write_offset + size > STORAGE_PAGE_SIZE) return false;
  irq_disable();
  flash_program(write_offset, record, size);
  irq_enable();
  write_offset += size;
  return memcmp(page() + write_offset - size, record, size) == 0;
}

uint32_t storage_erase_count(void) { return erase_count; }
