import { KernelSetup, KernelSetupCode } from '../notebook/kernelSetup';
import { FakeKernel } from './fakes';

describe('KernelSetup', () => {
  let fetched: number;
  let answer: () => Promise<KernelSetupCode>;
  let setup: KernelSetup;

  beforeEach(() => {
    fetched = 0;
    answer = async () => ({ python: 'configure_fonts()' });
    setup = new KernelSetup(() => {
      fetched += 1;
      return answer();
    });
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('runs the code silently, once per kernel', async () => {
    const kernel = new FakeKernel();
    await setup.prepare(kernel.connection);
    await setup.prepare(kernel.connection);
    expect(kernel.requests).toEqual([
      {
        code: 'configure_fonts()',
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      }
    ]);
    const other = new FakeKernel();
    await setup.prepare(other.connection);
    expect(other.requests).toHaveLength(1);
    expect(fetched).toBe(1);
  });

  it('runs again after the kernel restarts', async () => {
    const kernel = new FakeKernel();
    await setup.prepare(kernel.connection);
    kernel.statusChanged.emit('busy');
    await setup.prepare(kernel.connection);
    expect(kernel.requests).toHaveLength(1);
    kernel.statusChanged.emit('restarting');
    await setup.prepare(kernel.connection);
    kernel.statusChanged.emit('autorestarting');
    await setup.prepare(kernel.connection);
    expect(kernel.requests).toHaveLength(3);
  });

  it('leaves kernels of other languages alone', async () => {
    const kernel = new FakeKernel('R');
    await setup.prepare(kernel.connection);
    expect(kernel.requests).toEqual([]);
  });

  it('never fails: a failed fetch or run is retried next time', async () => {
    answer = () => Promise.reject(new Error('404'));
    const kernel = new FakeKernel();
    await expect(setup.prepare(kernel.connection)).resolves.toBeUndefined();
    expect(kernel.requests).toEqual([]);

    answer = async () => ({ python: 'configure_fonts()' });
    kernel.fail = true;
    await expect(setup.prepare(kernel.connection)).resolves.toBeUndefined();
    expect(kernel.requests).toHaveLength(1);
    kernel.fail = false;
    await setup.prepare(kernel.connection);
    expect(kernel.requests).toHaveLength(2);
    expect(fetched).toBe(2);
  });
});
