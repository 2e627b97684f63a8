import { definePaginationProperty } from './pagination-property.js';

definePaginationProperty('postgres', 60);
