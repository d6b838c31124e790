#ifndef UART_H
#define UART_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
void uart_init(uint32_t baud);
void uart_write(const uint8_t *data, size_t len);
bool uart_read_byte(uint8_t *byte);
size_t uart_rx_available(void);
void uart_flush(void);
#endif
