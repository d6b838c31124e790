import type { Command } from 'commander';
import { pino } from 'pino';
import { createService } from '../../app/service.js';
import { loadConfig } from '../../config/load-config.js';

// `fuota serve --config FILE`: the long-running service. JSON log lines on stdout; SIGINT or
// SIGTERM stops it gracefully (exit 0). A config or connection problem found while starting is
// thrown, so the CLI prints it on one line and exits 1.

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the FUOTA service: campaigns over ChirpStack, campaign files from a directory, status events over MQTT')
    .requiredOption('--config <file>', 'configuration file (see config/fuota.yaml)')
    .action(async (options: { config: string }) => {
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
