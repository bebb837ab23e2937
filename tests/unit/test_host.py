import os
import signal
import threading

import pytest

from tfopt.host import CpuInfo, host_cpu, parse_cpuinfo, process_alive, sigterm_as_ctrl_c


def test_cpuinfo_gives_the_first_processors_model_and_flags():
    text = "processor\t: 0\nmodel name\t: Zen 3 Box\nflags\t\t: fpu avx avx2 fma\n\nprocessor\t: 1\n" \
           "model name\t: Zen 3 Box\nflags\t\t: fpu avx avx2 fma\n"
    assert parse_cpuinfo(text) == CpuInfo("Zen 3 Box", ("fpu", "avx", "avx2", "fma"))


def test_an_unreadable_cpuinfo_is_an_unknown_cpu(tmp_path):
    assert host_cpu(tmp_path / "missing") == CpuInfo(None, ())
    assert parse_cpuinfo("") == CpuInfo(None, ())


def test_process_alive():
    assert process_alive(os.getpid())
    assert not process_alive(999999999)


@pytest.fixture
def default_sigterm():
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_sigterm_is_ctrl_c_within_and_default_after(default_sigterm):
    with sigterm_as_ctrl_c():
        assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 1)  # let the handler run
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_handler_someone_else_installed_is_left_alone(default_sigterm):
    def mine(signum, frame):
        pass

    signal.signal(signal.SIGTERM, mine)
    with sigterm_as_ctrl_c():
        assert signal.getsignal(signal.SIGTERM) is mine
    assert signal.getsignal(signal.SIGTERM) is mine


def test_nested_uses_keep_the_outer_handler_until_the_outer_ends(default_sigterm):
    with sigterm_as_ctrl_c():
        with sigterm_as_ctrl_c():
            pass
        assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_outside_the_main_thread_nothing_is_installed(default_sigterm):
    seen = []

    def work():
        with sigterm_as_ctrl_c():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [signal.SIG_DFL]
