#ifndef CRC_H
#define CRC_H
#include <stdint.h>
#include <stddef.h>
uint16_t crc16_ccitt(uint16_t crc, const uint8_t *data, size_t len);
uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len);
uint8_t crc8_sensirion(const uint8_t *data, size_t len);
uint16_t crc16_modbus(const uint8_t *data, size_t len);
#endif
