/* Clocks, GPIO, SysTick time base, battery ADC and a hardware-free random source. */
#include "board.h"
#include "config.h"

static volatile uint32_t tick_ms;
static uint32_t rng_state = 0x6d2b79f5u;

void SysTick_Handler(void) { tick_ms++; }

uint32_t board_millis(void) { return tick_ms; }

void board_delay_ms(uint32_t ms) {
  uint32_t start = tick_ms;
  while ((uint32_t)(tick_ms - start) < ms) cpu_wfi();
}

void gpio_config(gpio_t *port, uint32_t pin, uint32_t mode, uint32_t pull, uint32_t af) {
  port->MODER = (port->MODER & ~(3u << (pin * 2))) | (mode << (pin * 2));
  port->PUPDR = (port->PUPDR & ~(3u << (pin * 2))) | (pull << (pin * 2));
  port->OSPEEDR |= 2u << (pin * 2);
  if (mode == 2u) {
    uint32_t idx = pin >> 3, shift = (pin & 7u) * 4u;
    port->AFR[idx] = (port->AFR[idx] & ~(0xFu << shift)) | (af << shift);
  }
}

void gpio_write(gpio_t *port, uint32_t pin, bool high) { port->BSRR = high ? (1u << pin) : (1u << (pin + 16)); }

bool gpio_read(gpio_t *port, uint32_t pin) { return (port->IDR >> pin) & 1u; }

void board_led(bool on) { gpio_write(GPIOA, PIN_LED, on); }

static void clock_init(void) {
  RCC->CR |= 1u << 8; /* HSI16 on */
  while (!(RCC->CR & (1u << 10))) {
  }
  RCC->CFGR = (RCC->CFGR & ~3u) | 1u;
  while (((RCC->CFGR >> 2) & 3u) != 1u) {
  }
  RCC->AHB2ENR |= 0x7u | (1u << 13);
  RCC->APB2ENR |= (1u << 12) | (1u << 14);
  RCC->APB1ENR1 |= (1u << 17) | (1u << 21) | (1u << 28);
  FLASH_CTRL->ACR = (FLASH_CTRL->ACR & ~7u) | 1u | (1u << 9) | (1u << 10);
}

static void adc_init(void) {
  ADC1->CR &= ~(1u << 29); /* leave deep power down */
  ADC1->CR |= 1u << 28;    /* voltage regulator */
  board_delay_ms(1);
  ADC1->CR |= 1u << 31; /* calibrate */
  while (ADC1->CR & (1u << 31)) {
  }
  ADC1->SMPR1 = 7u << 0;
  ADC1->CR |= 1u;
  while (!(ADC1->ISR & 1u)) {
  }
}

uint16_t board_battery_mv(void) {
  uint32_t sum = 0;
  for (int i = 0; i < BATTERY_SAMPLES; i++) {
    ADC1->SQR1 = (0u << 6) | 0u;
    ADC1->CR |= 1u << 2;
    while (!(ADC1->ISR & (1u << 2))) {
    }
    sum += ADC1->DR & 0xFFFu;
  }
  uint32_t raw = sum / BATTERY_SAMPLES;
  /* VREFINT calibration at 3.0 V stored in system memory. */
  uint32_t vrefint_cal = *(volatile uint16_t *)0x1FFF75AAu;
  if (raw == 0) return 0;
  return (uint16_t)((3000u * vrefint_cal) / raw * BATTERY_DIVIDER_NUM / BATTERY_DIVIDER_DEN);
}

uint32_t board_random(void) {
  /* xorshift32 seeded from the ADC noise at boot; good enough for join nonces and jitter. */
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

void board_reset(void) {
  SCB_AIRCR = (0x5FAu << 16) | (1u << 2);
  for (;;) {
  }
}

void board_init(void) {
  clock_init();
  SYSTICK->LOAD = CORE_CLOCK_HZ / 1000u - 1u;
  SYSTICK->VAL = 0;
  SYSTICK->CTRL = 7u;
  gpio_config(GPIOA, PIN_LED, 1u, 0u, 0u);
  gpio_config(GPIOA, PIN_RADIO_NSS, 1u, 0u, 0u);
  gpio_config(GPIOB, PIN_RADIO_RESET, 1u, 0u, 0u);
  gpio_config(GPIOA, PIN_RADIO_DIO0, 0u, 2u, 0u);
  gpio_config(GPIOB, PIN_RADIO_DIO1, 0u, 2u, 0u);
  gpio_config(GPIOA, PIN_SENSOR_PWR, 1u, 0u, 0u);
  gpio_config(GPIOA, 5u, 2u, 0u, 5u);
  gpio_config(GPIOA, 6u, 2u, 0u, 5u);
  gpio_config(GPIOA, 7u, 2u, 0u, 5u);
  gpio_config(GPIOA, 9u, 2u, 1u, 7u);
  gpio_config(GPIOA, 10u, 2u, 1u, 7u);
  gpio_config(GPIOB, 6u, 2u, 1u, 4u);
  gpio_config(GPIOB, 7u, 2u, 1u, 4u);
  adc_init();
  for (int i = 0; i < 8; i++) {
    ADC1->CR |= 1u << 2;
    while (!(ADC1->ISR & (1u << 2))) {
    }
    rng_state = (rng_state << 3) ^ (ADC1->DR & 0xFFFu) ^ (rng_state >> 29);
  }
  if (rng_state == 0) rng_state = 0x6d2b79f5u;
}
