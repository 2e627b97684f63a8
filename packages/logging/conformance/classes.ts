import type { ConformanceClass } from './case.js';
import { loggerAdapterTest } from './cases/adapter.js';
import { basicConfigTest } from './cases/basic-config.js';
import { builtinLevels } from './cases/builtin-levels.js';
import { configDictTest } from './cases/dict-config.js';
import { exceptionTest } from './cases/errors.js';
import { basicFilterTest, customLevelsTest } from './cases/filters.js';
import { formatterTest } from './cases/formatter.js';
import { handlerTest, lastResortTest, memoryHandlerTest, queueHandlerTest } from './cases/handlers.js';
import { loggerTest, logRecordTest } from './cases/logger.js';
import { messageFormattingTest } from './cases/message-formatting.js';
import { moduleLevelMiscTest, watchedFileHandlerTest } from './cases/module-misc.js';
import { rotatingFileHandlerTest, timedRotatingFileHandlerTest } from './cases/rotation.js';

/** Every conformance class, in the order of CPython's `Lib/test/test_logging.py`. */
export const conformanceClasses: ConformanceClass[] = [
  builtinLevels,
  basicFilterTest,
  customLevelsTest,
  handlerTest,
  memoryHandlerTest,
  exceptionTest,
  configDictTest,
  queueHandlerTest,
  formatterTest,
  messageFormattingTest,
  lastResortTest,
  moduleLevelMiscTest,
  logRecordTest,
  loggerAdapterTest,
  loggerTest,
  basicConfigTest,
  rotatingFileHandlerTest,
  timedRotatingFileHandlerTest,
  watchedFileHandlerTest,
];
