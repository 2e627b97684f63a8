import { definePublishAfterCommitSuite } from './publish-after-commit-suite.js';

definePublishAfterCommitSuite('sqlite');
