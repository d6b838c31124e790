/* SPI1 master (radio) and I2C1 master (sensors), polled with timeouts. */
#include "bus.h"
#include "board.h"

#define I2C_TIMEOUT 20000u

void spi_init(void) {
  SPI1->CR1 = 0;
  SPI1->CR2 = (7u << 8) | (1u << 12);               /* 8-bit frames, RXNE at 8 bits */
  SPI1->CR1 = (1u << 2) | (2u << 3) | (1u << 8) | (1u << 9); /* master, fPCLK/8, SSM/SSI */
  SPI1->CR1 |= 1u << 6;
}

uint8_t spi_transfer(uint8_t out) {
  while (!(SPI1->SR & (1u << 1))) {
  }
  *(volatile uint8_t *)&SPI1->DR = out;
  while (!(SPI1->SR & 1u)) {
  }
  return *(volatile uint8_t *)&SPI1->DR;
}

void i2c_init(uint32_t timingr) {
  I2C1->CR1 = 0;
  I2C1->TIMINGR = timingr;
  I2C1->CR1 = 1u;
}

static bool wait_flag(uint32_t flag) {
  for (uint32_t t = 0; t < I2C_TIMEOUT; t++) {
    uint32_t isr = I2C1->ISR;
    if (isr & (1u << 4)) { /* NACK */
      I2C1->ICR = 1u << 4;
      return false;
    }
    if (isr & flag) return true;
  }
  return false;
}

bool i2c_write(uint8_t addr, const uint8_t *data, size_t len) {
  I2C1->CR2 = ((uint32_t)addr << 1) | ((uint32_t)len << 16) | (1u << 25) | (1u << 13);
  for (size_t i = 0; i < len; i++) {
    if (!wait_flag(1u << 1)) return false;
    I2C1->TXDR = data[i];
  }
  if (!wait_flag(1u << 5)) return false;
  I2C1->ICR = 1u << 5;
  return true;
}

bool i2c_read(uint8_t addr, uint8_t *data, size_t len) {
  I2C1->CR2 = ((uint32_t)addr << 1) | (1u << 10) | ((uint32_t)len << 16) | (1u << 25) | (1u << 13);
  for (size_t i = 0; i < len; i++) {
    if (!wait_flag(1u << 2)) return false;
    data[i] = (uint8_t)I2C1->RXDR;
  }
  if (!wait_flag(1u << 5)) return false;
  I2C1->ICR = 1u << 5;
  return true;
}

bool i2c_write_read(uint8_t addr, uint8_t reg, uint8_t *data, size_t len) {
  I2C1->CR2 = ((uint32_t)addr << 1) | (1u << 16) | (1u << 13);
  if (!wait_flag(1u << 1)) return false;
  I2C1->TXDR = reg;
  if (!wait_flag(1u << 6)) return false;
  return i2c_read(addr, data, len);
}
