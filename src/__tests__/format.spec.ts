import { formatSize } from '../format';

describe('formatSize', () => {
  it('shows bytes, then one decimal in the largest fitting unit', () => {
    expect(formatSize(300)).toBe('300 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(23 * 1024)).toBe('23.0 KB');
    expect(formatSize(2 * 1024 * 1024)).toBe('2.0 MB');
    expect(formatSize(3 * 1024 ** 4)).toBe('3.0 TB');
  });
});
