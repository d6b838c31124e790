import type { FecScheme } from '../fec/scheme.js';

// What a transition asks the world to do. Commands are JSON so that they can sit in the store's
// outbox, in the same transaction as the state that decided them, until they are carried out.

export interface UnicastCommand {
  type: 'unicast';
  /** Our id, so that the network server's feedback can be matched (ChirpStack queue item id). */
  id: string;
  devEui: string;
  fPort: number;
  payloadHex: string;
}

export interface CreateMulticastGroupCommand {
  type: 'create-multicast-group';
  groupName: string;
  mcAddr: number;
  mcAppSKeyHex: string;
  mcNwkSKeyHex: string;
  deviceClass: 'C' | 'B';
  dr: number;
  frequencyHz: number;
  periodicity: number;
  devEuis: string[];
  gateways: string[];
  /** The campaign's region (RP002 name, e.g. EU868); absent in commands stored before it was added (the adapter's default then). */
  region?: string;
}

/** One DataFragment (built by the engine from the block: N and the scheme say which bytes). */
export interface MulticastFragmentCommand {
  type: 'multicast-fragment';
  id: string;
  groupName: string;
  scheme: FecScheme;
  fragIndex: number;
  n: number;
  atMs: number;
}

export interface MulticastCommand {
  type: 'multicast';
  id: string;
  groupName: string;
  fPort: number;
  payloadHex: string;
  atMs: number;
}

export interface DeleteMulticastGroupCommand {
  type: 'delete-multicast-group';
  groupName: string;
}

export type CampaignCommand =
  | UnicastCommand
  | CreateMulticastGroupCommand
  | MulticastFragmentCommand
  | MulticastCommand
  | DeleteMulticastGroupCommand;
