import { definePaginationProperty } from './pagination-property.js';

definePaginationProperty('sqlite', 150);
