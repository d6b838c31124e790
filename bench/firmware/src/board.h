/* Register map of a small STM32L4-like microcontroller, enough for the drivers of this node. */
#ifndef BOARD_H
#define BOARD_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

typedef struct {
  volatile uint32_t MODER, OTYPER, OSPEEDR, PUPDR, IDR, ODR, BSRR, LCKR, AFR[2], BRR;
} gpio_t;

typedef struct {
  volatile uint32_t CR1, CR2, CR3, BRR, GTPR, RTOR, RQR, ISR, ICR, RDR, TDR;
} usart_t;

typedef struct {
  volatile uint32_t CR1, CR2, SR, DR, CRCPR, RXCRCR, TXCRCR;
} spi_t;

typedef struct {
  volatile uint32_t CR1, CR2, OAR1, OAR2, TIMINGR, TIMEOUTR, ISR, ICR, PECR, RXDR, TXDR;
} i2c_t;

typedef struct {
  volatile uint32_t CR, ICSCR, CFGR, PLLCFGR, PLLSAI1CFGR, PLLSAI2CFGR, CIER, CIFR, CICR;
  volatile uint32_t RSV0, AHB1RSTR, AHB2RSTR, AHB3RSTR, RSV1, APB1RSTR1, APB1RSTR2, APB2RSTR;
  volatile uint32_t RSV2, AHB1ENR, AHB2ENR, AHB3ENR, RSV3, APB1ENR1, APB1ENR2, APB2ENR;
} rcc_t;

typedef struct {
  volatile uint32_t CTRL, LOAD, VAL, CALIB;
} systick_t;

typedef struct {
  volatile uint32_t ISR, IER, CR, CFGR, CFGR2, SMPR1, SMPR2, RSV0, TR1, TR2, TR3, RSV1;
  volatile uint32_t SQR1, SQR2, SQR3, SQR4, DR;
} adc_t;

typedef struct {
  volatile uint32_t ACR, PDKEYR, KEYR, OPTKEYR, SR, CR, ECCR, RSV0, OPTR;
} flash_ctrl_t;

#define GPIOA ((gpio_t *)0x48000000u)
#define GPIOB ((gpio_t *)0x48000400u)
#define GPIOC ((gpio_t *)0x48000800u)
#define USART1 ((usart_t *)0x40013800u)
#define USART2 ((usart_t *)0x40004400u)
#define SPI1 ((spi_t *)0x40013000u)
#define I2C1 ((i2c_t *)0x40005400u)
#define RCC ((rcc_t *)0x40021000u)
#define SYSTICK ((systick_t *)0xE000E010u)
#define ADC1 ((adc_t *)0x50040000u)
#define FLASH_CTRL ((flash_ctrl_t *)0x40022000u)
#define NVIC_ISER0 REG32(0xE000E100u)
#define NVIC_ICER0 REG32(0xE000E180u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_SCR REG32(0xE000ED10u)

#define CORE_CLOCK_HZ 16000000u

#define PIN_LED 5u
#define PIN_RADIO_NSS 4u
#define PIN_RADIO_RESET 0u
#define PIN_RADIO_DIO0 10u
#define PIN_RADIO_DIO1 3u
#define PIN_SENSOR_PWR 8u

static inline void irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void cpu_wfi(void) { __asm volatile("wfi"); }

void board_init(void);
uint32_t board_millis(void);
void board_delay_ms(uint32_t ms);
void board_led(bool on);
void board_reset(void);
uint32_t board_random(void);
uint16_t board_battery_mv(void);
void gpio_config(gpio_t *port, uint32_t pin, uint32_t mode, uint32_t pull, uint32_t af);
void gpio_write(gpio_t *port, uint32_t pin, bool high);
bool gpio_read(gpio_t *port, uint32_t pin);

#endif
