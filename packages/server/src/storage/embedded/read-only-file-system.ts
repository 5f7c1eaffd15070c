/**
 * Read-only access to a log directory through the LogFileSystem port, for `tributary verify`:
 * it opens files without creating them (O_RDONLY) and refuses every call that could change the
 * disk, so an offline check can never truncate, rebuild or create anything — not even by accident.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { LogFile, LogFileSystem } from './file-system.js';

/** The real file system, read-only. */
export function nodeReadOnlyFileSystem(): LogFileSystem {
  return {
    ...refusals(),
    async list(directory) {
      try {
        return await fs.readdir(directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    async open(filePath) {
      // No O_CREAT: a missing file is an error here, never a new empty file.
      const handle = await fs.open(filePath, 'r');
      const { size } = await handle.stat();
      return readOnlyFile({
        size,
        read: async (target, targetOffset, length, position) => {
          let readBytes = 0;
          while (readBytes < length) {
            const { bytesRead } = await handle.read(
              target,
              targetOffset + readBytes,
              length - readBytes,
              position + readBytes,
            );
            if (bytesRead === 0) break;
            readBytes += bytesRead;
          }
          return readBytes;
        },
        close: () => handle.close(),
      });
    },
  };
}

/** Any file system, read-only: missing files are not created and changes are refused (tests). */
export function readOnlyView(inner: LogFileSystem): LogFileSystem {
  return {
    ...refusals(),
    list: (directory) => inner.list(directory),
    async open(filePath) {
      if (!(await inner.list(path.dirname(filePath))).includes(path.basename(filePath))) {
        throw fileError('ENOENT', `no such file: ${filePath}`);
      }
      const file = await inner.open(filePath);
      return readOnlyFile({
        size: file.size(),
        read: (target, targetOffset, length, position) => file.read(target, targetOffset, length, position),
        close: () => file.close(),
      });
    },
  };
}

function refusals(): Pick<LogFileSystem, 'mkdirp' | 'remove' | 'removeDir' | 'syncDir'> {
  const refuse = async (operation: string, target: string): Promise<never> => {
    throw fileError('EROFS', `read-only: ${operation} ${target} refused`);
  };
  return {
    mkdirp: (directory) => refuse('mkdirp', directory),
    remove: (filePath) => refuse('remove', filePath),
    removeDir: (directory) => refuse('removeDir', directory),
    syncDir: (directory) => refuse('syncDir', directory),
  };
}

function readOnlyFile(file: {
  readonly size: number;
  readonly read: LogFile['read'];
  readonly close: LogFile['close'];
}): LogFile {
  const refuse = async (operation: string): Promise<never> => {
    throw fileError('EROFS', `read-only: ${operation} refused`);
  };
  return {
    size: () => file.size,
    read: file.read,
    close: file.close,
    write: () => refuse('write'),
    sync: () => refuse('sync'),
    truncate: () => refuse('truncate'),
  };
}

function fileError(code: string, message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  error.code = code;
  return error;
}
