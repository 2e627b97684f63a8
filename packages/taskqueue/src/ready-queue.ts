import { type Job, JobList } from './job.js';

class Lane extends JobList {
  constructor(readonly priority: number) {
    super();
  }
}

/**
 * Jobs ready to start, highest priority first and FIFO within a priority. One lane per
 * priority in use; with only the default priority it is a single linked list.
 */
export class ReadyQueue {
  length = 0;
  private readonly base = new Lane(0);
  /** Lanes in ascending priority; the highest is last. */
  private readonly lanes: Lane[] = [this.base];
  private readonly byPriority = new Map<number, Lane>([[0, this.base]]);

  push(job: Job, priority: number): void {
    (priority === 0 ? this.base : this.lane(priority)).push(job);
    this.length++;
  }

  /** Puts a job ahead of the others of its priority (a retry goes before fresh tasks). */
  unshift(job: Job, priority: number): void {
    (priority === 0 ? this.base : this.lane(priority)).unshift(job);
    this.length++;
  }

  shift(): Job | null {
    if (this.length === 0) return null;
    this.length--;
    const lanes = this.lanes;
    if (lanes.length === 1) return this.base.shift();
    for (let i = lanes.length - 1; i >= 0; i--) {
      const lane = lanes[i];
      const job = lane.shift();
      if (job !== null) return job;
      if (lane !== this.base && i === lanes.length - 1) {
        lanes.pop();
        this.byPriority.delete(lane.priority);
      }
    }
    return null;
  }

  remove(job: Job): void {
    const lane = job.priority === 0 ? this.base : (this.byPriority.get(job.priority) as Lane);
    lane.remove(job);
    this.length--;
  }

  /** Every ready job, highest priority first (for shutdown, not the hot path). */
  toArray(): Job[] {
    const jobs: Job[] = [];
    for (let i = this.lanes.length - 1; i >= 0; i--) jobs.push(...this.lanes[i].toArray());
    return jobs;
  }

  private lane(priority: number): Lane {
    let lane = this.byPriority.get(priority);
    if (lane !== undefined) return lane;
    lane = new Lane(priority);
    this.byPriority.set(priority, lane);
    const lanes = this.lanes;
    let low = 0;
    let high = lanes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (lanes[mid].priority < priority) low = mid + 1;
      else high = mid;
    }
    lanes.splice(low, 0, lane);
    return lane;
  }
}
