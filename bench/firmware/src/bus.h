#ifndef BUS_H
#define BUS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
void spi_init(void);
uint8_t spi_transfer(uint8_t out);
void i2c_init(uint32_t timingr);
bool i2c_write(uint8_t addr, const uint8_t *data, size_t len);
bool i2c_read(uint8_t addr, uint8_t *data, size_t len);
bool i2c_write_read(uint8_t addr, uint8_t reg, uint8_t *data, size_t len);
#endif
