// @ts-check
// Floe's Move entry points as @mysten/sui transactions. Nothing here is devnet-specific: the
// same calls run against any Sui network the `floe` package is published on. Object IDs are
// given as IDs only; the node resolves versions, shared-object mutability and gas.
import { readFileSync } from 'node:fs';

import { Transaction } from '@mysten/sui/transactions';

/**
 * Where a Floe network is: what `floe up` (and `floe-devnet`) write to `network.toml`.
 * @typedef {object} FloeNetwork
 * @property {string} rpc_url gRPC (and gRPC-Web) URL of the chain
 * @property {string} [faucet_url] SUI (`/v2/gas`) and WAL (`/v2/wal`) faucet, on local networks
 * @property {string} package_id the `floe` package
 * @property {string} system_object_id the shared `system::System`
 * @property {string} treasury_object_id the shared `wal::Treasury`
 */

/**
 * Reads a `network.toml` (flat `key = "value"` lines are all it holds).
 * @param {string} path
 * @returns {FloeNetwork}
 */
export function readNetwork(path) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = line.match(/^\s*(\w+)\s*=\s*"(.*)"\s*$/);
    if (match) values[match[1]] = match[2];
  }
  for (const key of ['rpc_url', 'package_id', 'system_object_id', 'treasury_object_id']) {
    if (!values[key]) throw new Error(`${path} has no ${key}: is it a Floe network file?`);
  }
  return /** @type {FloeNetwork} */ (/** @type {unknown} */ (values));
}

/** 1 WAL in base units (9 decimals). */
export const WAL = 1_000_000_000n;

/**
 * `model::register_model(name, description)`: shares a new `Model` and returns its `ModelCap`,
 * which the transaction sends to `owner`.
 * @param {FloeNetwork} network
 * @param {{ name: string, description: string, owner: string }} args
 */
export function registerModel(network, { name, description, owner }) {
  const tx = new Transaction();
  const cap = tx.moveCall({
    target: `${network.package_id}::model::register_model`,
    arguments: [tx.pure.string(name), tx.pure.string(description)],
  });
  tx.transferObjects([cap], owner);
  return tx;
}

/**
 * `license::create_offer(model, cap, price_per_window, window_ms, max_windows, uses_per_window)`:
 * shares a `LicenseOffer` for the model. `usesPerWindow = 0` sells unlimited use.
 * @param {FloeNetwork} network
 * @param {{ model: string, cap: string, pricePerWindow: bigint, windowMs: number, maxWindows: number, usesPerWindow: number }} args
 */
export function createOffer(network, { model, cap, pricePerWindow, windowMs, maxWindows, usesPerWindow }) {
  const tx = new Transaction();
  tx.moveCall({
    target: `${network.package_id}::license::create_offer`,
    arguments: [
      tx.object(model),
      tx.object(cap),
      tx.pure.u64(pricePerWindow),
      tx.pure.u64(windowMs),
      tx.pure.u64(maxWindows),
      tx.pure.u64(usesPerWindow),
    ],
  });
  return tx;
}

/**
 * `license::quote(offer, windows)`: the price of `windows` windows, read by simulating it.
 * @param {FloeNetwork} network
 * @param {{ offer: string, windows: number, sender: string }} args
 */
export function quote(network, { offer, windows, sender }) {
  const tx = new Transaction();
  tx.setSender(sender);
  tx.moveCall({
    target: `${network.package_id}::license::quote`,
    arguments: [tx.object(offer), tx.pure.u64(windows)],
  });
  return tx;
}

/**
 * `license::purchase(offer, model, system, treasury, payment, windows, max_price, clock)`: pays
 * from the `payment` coin (the change stays in it) and sends the `License` to `buyer`. The
 * purchase aborts rather than pay more than `maxPrice`.
 * @param {FloeNetwork} network
 * @param {{ offer: string, model: string, payment: string, windows: number, maxPrice: bigint, buyer: string }} args
 */
export function purchase(network, { offer, model, payment, windows, maxPrice, buyer }) {
  const tx = new Transaction();
  const license = tx.moveCall({
    target: `${network.package_id}::license::purchase`,
    arguments: [
      tx.object(offer),
      tx.object(model),
      tx.object(network.system_object_id),
      tx.object(network.treasury_object_id),
      tx.object(payment),
      tx.pure.u64(windows),
      tx.pure.u64(maxPrice),
      tx.object.clock(),
    ],
  });
  tx.transferObjects([license], buyer);
  return tx;
}

/**
 * `license::seal_approve(id, license, clock)`: the Seal access policy key servers dry-run. It
 * approves `id` if it is the licensed model's ID and the license is valid now.
 * @param {FloeNetwork} network
 * @param {{ id: string, license: string, sender: string }} args
 */
export function sealApprove(network, { id, license, sender }) {
  const tx = new Transaction();
  tx.setSender(sender);
  tx.moveCall({
    target: `${network.package_id}::license::seal_approve`,
    arguments: [tx.pure.vector('u8', hexBytes(id)), tx.object(license), tx.object.clock()],
  });
  return tx;
}

/**
 * The bytes of a `0x…` ID.
 * @param {string} id
 * @returns {number[]}
 */
export function hexBytes(id) {
  const hex = id.replace(/^0x/, '').padStart(64, '0');
  return Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}
