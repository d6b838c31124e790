import type { Command } from 'commander';

// `fuota serve --config FILE`: the long-running service. JSON log lines on stdout; SIGINT or
// SIGTERM stops it gracefully (exit 0). A config or connection problem found while starting is
// thrown, so the CLI prints it on one line and exits 1. The service is imported inside the action:
// `fuota --help` must not load it (issue #17).

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the FUOTA service: campaigns over ChirpStack, campaign files from a directory, status events over MQTT')
    .requiredOption('--config <file>', 'configuration file (see config/fuota.yaml)')
    .action(async (options: { config: string }) => {
      const { pino } = await import('pino');
      const { createService } = await import('../../app/service.js');
      const { loadConfig } = await import('../../config/load-config.js');
      const config = await loadConfig(options.config);
      const logger = pino({ level: config.logging.level, base: { service: 'fuota' } }, pino.destination({ dest: 1, sync: true }));
      const service = createService(config, { logger });
      const signalled = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      try {
        await service.start();
      } catch (error) {
        await service.stop().catch(() => undefined);
        throw error;
      }
      const signal = await signalled;
      logger.info({ signal }, 'stopping');
      await service.stop();
    });
}
