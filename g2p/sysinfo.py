"""What a profile run ran on: CPU, cgroup limits, TensorFlow build, Python. Stdlib only
(the TensorFlow module is passed in)."""

import os
import platform
import sys

UNLIMITED = 1 << 60  # cgroup v1 writes ~2**63 for "no memory limit"


def read_file(path):
    """A small text file's content, stripped; None if it cannot be read."""
    try:
        with open(path) as fh:
            return fh.read().strip()
    except (OSError, IOError):
        return None


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- process start


def clock_ticks():
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 100


def process_start_boottime_ns():
    """When this process started, in CLOCK_BOOTTIME ns (from /proc/self/stat starttime), or None."""
    stat = read_file("/proc/self/stat")
    if not stat:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    # fields[0] is field 3 (state); starttime is field 22.
    ticks = _int(fields[22 - 3]) if len(fields) > 19 else None
    if ticks is None:
        return None
    return ticks * 1000000000 // clock_ticks()


def boottime_ns():
    import time

    clock = getattr(time, "CLOCK_BOOTTIME", None)
    if clock is None:
        return None
    return time.clock_gettime_ns(clock)


# ---------------------------------------------------------------- cpu


def cpu_info():
    model = flags = vendor = None
    family = model_number = stepping = None
    text = read_file("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if ":" not in line:
            if model is not None and flags is not None:
                break  # first processor block is enough
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model name" and model is None:
            model = value
        elif key in ("flags", "Features") and flags is None:
            flags = value.split()
        elif key == "vendor_id" and vendor is None:
            vendor = value
        elif key == "cpu family" and family is None:
            family = _int(value)
        elif key == "model" and model_number is None:
            model_number = _int(value)
        elif key == "stepping" and stepping is None:
            stepping = _int(value)
    try:
        affinity = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    return {
        "model_name": model,
        "vendor_id": vendor,
        "family": family,
        "model": model_number,
        "stepping": stepping,
        "flags": flags or [],
        "cpu_count": os.cpu_count(),
        "sched_getaffinity": affinity,
        "machine": platform.machine(),
        "kernel": platform.release(),
    }


# ---------------------------------------------------------------- cgroup


def _proc_cgroups(proc_cgroup="/proc/self/cgroup"):
    """{controller: path} from /proc/self/cgroup ('' is the v2 unified entry)."""
    out = {}
    for line in (read_file(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            out[""] = path
        for c in controllers.split(","):
            if c:
                out[c] = path
    return out


def _pick_dir(bases, rel, wanted):
    """First of base+rel, base (for each base) that holds file `wanted`."""
    rel = (rel or "/").lstrip("/")
    for base in bases:
        for candidate in ((os.path.join(base, rel), base) if rel else (base,)):
            if os.path.isfile(os.path.join(candidate, wanted)):
                return candidate
    return None


def _cpu_stat(directory):
    out = {}
    text = read_file(os.path.join(directory, "cpu.stat")) if directory else None
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and _int(parts[1]) is not None:
            out[parts[0]] = int(parts[1])
    return out


def cgroup_info(root="/sys/fs/cgroup", proc_cgroup="/proc/self/cgroup"):
    """The limits this process runs under (cgroup v1 or v2), throttling counters included.

    /proc/self/cgroup names this process's cgroup; inside a container (cgroup namespace,
    or v1 bind mounts) that path may not exist below `root`, so `root` itself is tried.
    """
    info = {
        "version": None, "cpu_quota_us": None, "cpu_period_us": None, "cpus": None,
        "cpuset": None, "memory_limit_bytes": None,
        "nr_periods": None, "nr_throttled": None, "throttled_time_ns": None,
        "cpu_usage_ns": None, "paths": {},
    }
    procs = _proc_cgroups(proc_cgroup)
    if os.path.isfile(os.path.join(root, "cgroup.controllers")):
        info["version"] = 2
        directory = _pick_dir([root], procs.get("", "/"), "cgroup.controllers") or root
        info["paths"]["unified"] = directory
        cpu_max = read_file(os.path.join(directory, "cpu.max"))
        if cpu_max:
            parts = cpu_max.split()
            if parts and parts[0] != "max":
                info["cpu_quota_us"] = _int(parts[0])
            if len(parts) > 1:
                info["cpu_period_us"] = _int(parts[1])
        info["cpuset"] = (read_file(os.path.join(directory, "cpuset.cpus.effective"))
                          or read_file(os.path.join(directory, "cpuset.cpus")) or None)
        mem = read_file(os.path.join(directory, "memory.max"))
        if mem and mem != "max":
            info["memory_limit_bytes"] = _int(mem)
        stat = _cpu_stat(directory)
        info["nr_periods"] = stat.get("nr_periods")
        info["nr_throttled"] = stat.get("nr_throttled")
        if "throttled_usec" in stat:
            info["throttled_time_ns"] = stat["throttled_usec"] * 1000
        if "usage_usec" in stat:
            info["cpu_usage_ns"] = stat["usage_usec"] * 1000
    elif procs:
        info["version"] = 1
        cpu_dir = _pick_dir([os.path.join(root, n) for n in ("cpu,cpuacct", "cpu", "cpuacct,cpu")],
                            procs.get("cpu"), "cpu.cfs_quota_us")
        info["paths"]["cpu"] = cpu_dir
        if cpu_dir:
            quota = _int(read_file(os.path.join(cpu_dir, "cpu.cfs_quota_us")))
            info["cpu_quota_us"] = quota if quota is not None and quota > 0 else None
            info["cpu_period_us"] = _int(read_file(os.path.join(cpu_dir, "cpu.cfs_period_us")))
            stat = _cpu_stat(cpu_dir)
            info["nr_periods"] = stat.get("nr_periods")
            info["nr_throttled"] = stat.get("nr_throttled")
            info["throttled_time_ns"] = stat.get("throttled_time")
        acct_dir = _pick_dir([os.path.join(root, n) for n in ("cpu,cpuacct", "cpuacct", "cpuacct,cpu")],
                             procs.get("cpuacct"), "cpuacct.usage")
        info["paths"]["cpuacct"] = acct_dir
        if acct_dir:
            info["cpu_usage_ns"] = _int(read_file(os.path.join(acct_dir, "cpuacct.usage")))
        mem_dir = _pick_dir([os.path.join(root, "memory")], procs.get("memory"),
                            "memory.limit_in_bytes")
        info["paths"]["memory"] = mem_dir
        if mem_dir:
            limit = _int(read_file(os.path.join(mem_dir, "memory.limit_in_bytes")))
            info["memory_limit_bytes"] = limit if limit is not None and limit < UNLIMITED else None
        set_dir = _pick_dir([os.path.join(root, "cpuset")], procs.get("cpuset"), "cpuset.cpus")
        info["paths"]["cpuset"] = set_dir
        if set_dir:
            info["cpuset"] = (read_file(os.path.join(set_dir, "cpuset.effective_cpus"))
                              or read_file(os.path.join(set_dir, "cpuset.cpus")) or None)
    if info["cpu_quota_us"] and info["cpu_period_us"]:
        info["cpus"] = info["cpu_quota_us"] / float(info["cpu_period_us"])
    return info


# ---------------------------------------------------------------- memory


def peak_rss_bytes():
    """Peak resident set size: VmHWM from /proc/self/status, else ru_maxrss * 1024."""
    for line in (read_file("/proc/self/status") or "").splitlines():
        if line.startswith("VmHWM:"):
            parts = line.split()
            if len(parts) >= 2 and _int(parts[1]) is not None:
                return int(parts[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------- python / tensorflow


def python_info():
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "compiler": platform.python_compiler(),
    }


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _mkl_enabled():
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # noqa: BLE001 - absent in older builds
        pass
    try:
        from tensorflow.python import pywrap_tensorflow

        return bool(pywrap_tensorflow.IsMklEnabled())
    except Exception:  # noqa: BLE001
        return None


def tensorflow_info(tf):
    version_mod = getattr(tf, "version", None)

    def attr(name):
        value = getattr(version_mod, name, None) if version_mod is not None else None
        return value if value is not None else getattr(tf, name, None)

    try:
        compile_flags = list(tf.sysconfig.get_compile_flags())
    except Exception:  # noqa: BLE001
        compile_flags = None
    try:
        link_flags = list(tf.sysconfig.get_link_flags())
    except Exception:  # noqa: BLE001
        link_flags = None
    build_info = None
    getter = getattr(tf.sysconfig, "get_build_info", None)
    if getter is not None:
        try:
            build_info = _jsonable(dict(getter()))
        except Exception:  # noqa: BLE001
            build_info = None
    if build_info is None:
        try:
            from tensorflow.python.platform import build_info as bi

            build_info = {k: getattr(bi, k) for k in dir(bi) if not k.startswith("_")
                          and isinstance(getattr(bi, k), (bool, int, float, str, list, dict))}
        except Exception:  # noqa: BLE001
            build_info = None
    xla_built = None
    try:
        xla_built = bool(tf.test.is_built_with_xla())
    except Exception:  # noqa: BLE001
        xla_built = None
    git_version = attr("GIT_VERSION")
    if isinstance(git_version, bytes):
        git_version = git_version.decode("utf-8", "replace")
    if isinstance(git_version, str) and git_version[:2] in ("b'", 'b"') and len(git_version) > 3:
        git_version = git_version[2:-1]  # TF 1.x stores the repr of a bytes object
    return {
        "version": attr("VERSION") or getattr(tf, "__version__", None),
        "git_version": git_version,
        "compiler": attr("COMPILER_VERSION"),
        "cxx11_abi_flag": attr("CXX11_ABI_FLAG"),
        "monolithic_build": attr("MONOLITHIC_BUILD"),
        "compile_flags": compile_flags,
        "link_flags": link_flags,
        "build_info": build_info,
        "mkl_enabled": _mkl_enabled(),
        "xla_built": xla_built,
        "path": os.path.dirname(getattr(tf, "__file__", "") or "") or None,
    }


def library_versions():
    out = {}
    for name in ("numpy", "google.protobuf"):
        mod = sys.modules.get(name)
        out[name.split(".")[-1]] = getattr(mod, "__version__", None) if mod else None
    return out
