import { definePreparedSuite } from './prepared-suite.js';

definePreparedSuite('sqlite');
