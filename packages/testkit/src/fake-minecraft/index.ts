export { buildLevelDat, buildMapDat, buildRegion, COMPRESSION, chunkNbt, DATA_VERSION, SECTOR } from './anvil.js';
export { GAME_VERSION } from './game-listener.js';
export { bigReplyText, javaUtf8 } from './java-text.js';
export * as nbt from './nbt-write.js';
export { type FakeMinecraft, type FakeMinecraftOptions, fakeMinecraftBundle, startFakeMinecraft } from './start.js';
export { type MinecraftStatus, minecraftStatus } from './status-client.js';
export { isWholeFile, regionProblem, verifyWorld, type WorldCheck } from './world-file.js';
