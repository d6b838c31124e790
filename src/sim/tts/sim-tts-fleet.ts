import type { SimNetworkServer } from '../sim-network-server.js';
import { nsProfile } from './sim-tts-ns-device.js';
import { idsJson, type SimTtsRegistry } from './sim-tts-registry.js';

// The fleet's devices as already registered in the simulated TTS (as an operator would have them
// before a campaign): OTAA class A devices, joined, in the IS, JS (root keys when given), NS (TTN
// EU868 plan) and AS. Their DevAddr is made up (TTN's NetID 0x13 block 260B…) from the DevEUI.

const MAC_VERSIONS: Readonly<Record<string, [string, string]>> = {
  '1.0': ['MAC_V1_0_3', 'PHY_V1_0_3_REV_A'],
  '1.0.3': ['MAC_V1_0_3', 'PHY_V1_0_3_REV_A'],
  '1.0.4': ['MAC_V1_0_4', 'RP002_V1_0_3'],
  '1.1': ['MAC_V1_1', 'PHY_V1_1_REV_B'],
};

export function registerFleet(
  registry: SimTtsRegistry,
  network: SimNetworkServer,
  nowMs: number,
  options: { applicationId: string; deviceIdOf: (devEui: string) => string; deviceKeys?: ReadonlyMap<string, { appKeyHex?: string; nwkKeyHex?: string; lorawanVersion: string }> },
): void {
  for (const device of network.allDevices()) {
    const devEui = device.devEui.toLowerCase();
    const deviceId = options.deviceIdOf(devEui);
    const keys = options.deviceKeys?.get(device.devEui) ?? options.deviceKeys?.get(devEui);
    const [macVersion, phyVersion] = MAC_VERSIONS[keys?.lorawanVersion ?? '1.0'] ?? MAC_VERSIONS['1.0']!;
    const ids = idsJson(options.applicationId, deviceId, devEui, '0000000000000000');
    const devAddr = `260b${devEui.slice(-4)}`;
    const stamp = { createdAtMs: nowMs, updatedAtMs: nowMs };
    registry.idOfDevEui.set(devEui, deviceId);
    registry.is.set(deviceId, { device: { ids, name: deviceId }, ...stamp });
    if (keys) {
      const rootKeys = { ...(keys.appKeyHex ? { app_key: { key: keys.appKeyHex.toUpperCase() } } : {}), ...(keys.nwkKeyHex ? { nwk_key: { key: keys.nwkKeyHex.toUpperCase() } } : {}) };
      registry.js.set(deviceId, { device: { ids, root_keys: rootKeys }, ...stamp });
    }
    const nsDevice = { ids, frequency_plan_id: 'EU_863_870_TTN', lorawan_version: macVersion, lorawan_phy_version: phyVersion, supports_join: true, session: { dev_addr: devAddr.toUpperCase() } };
    registry.ns.set(deviceId, { device: nsDevice, ...stamp, profile: nsProfile(nsDevice, undefined, []), queue: [], fleetDevEui: devEui, downlinksSent: 0 });
    registry.as.set(deviceId, { device: { ids, session: { dev_addr: devAddr.toUpperCase(), keys: { session_key_id: Buffer.from(deviceId).toString('base64') } } }, ...stamp });
  }
}
