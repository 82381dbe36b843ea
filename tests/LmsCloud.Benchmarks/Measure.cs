using System.Diagnostics;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;

namespace LmsCloud.Benchmarks;

/// <summary>
/// How the benchmarks measure: a service call from <see cref="Clients"/> clients for a while (<see cref="MeasureAsync"/>),
/// an RLS-against-twin comparison in interleaved slices (<see cref="CompareAsync"/>), CPU per request, percentiles.
/// </summary>
static class Measure
{
    public const int Clients = 4;
    static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);

    public sealed record Comparison(List<double> Rls, List<double> Plain, double RlsSeconds, double PlainSeconds);

    /// <summary>
    /// <paramref name="work"/> with RLS (<paramref name="app"/>) and without (<paramref name="twin"/>) for
    /// <paramref name="measured"/> in all, in one-second slices interleaved A B B A A B …: the shared machine's load
    /// changes within seconds, and whichever variant always went first paid more of the drift (an A/A run, --aa, showed it).
    /// Prints the per-slice ratio's median and quartiles and the CPU per request of each variant.
    /// </summary>
    public static async Task<Comparison> CompareAsync(IServiceProvider app, IServiceProvider twin, District district,
        Func<IServiceProvider, int, Task> work, TimeSpan measured, string pgData, string key)
    {
        List<double> rls = [], plain = [];
        double rlsSeconds = 0, plainSeconds = 0;
        Cpu rlsCpu = new(pgData), plainCpu = new(pgData);
        await MeasureAsync(app, district, work, TimeSpan.FromSeconds(2), []); // warm-up, both
        await MeasureAsync(twin, district, work, TimeSpan.FromSeconds(2), []);
        var pairs = new List<double>();
        for (var slice = 0; slice < measured.TotalSeconds / Slice.TotalSeconds; slice++)
        {
            var (rlsCount, plainCount) = (rls.Count, plain.Count);
            double r, p;
            if (slice % 2 == 0)
            {
                r = await MeasureAsync(app, district, work, Slice, rls, rlsCpu);
                p = await MeasureAsync(twin, district, work, Slice, plain, plainCpu);
            }
            else
            {
                p = await MeasureAsync(twin, district, work, Slice, plain, plainCpu);
                r = await MeasureAsync(app, district, work, Slice, rls, rlsCpu);
            }
            (rlsSeconds, plainSeconds) = (rlsSeconds + r, plainSeconds + p);
            pairs.Add((rls.Count - rlsCount) / r / ((plain.Count - plainCount) / p));
        }
        Console.WriteLine($"  {key}: RLS/twin per slice pair: median {Percentile(pairs, 0.5):0.00}, quartiles {Percentile(pairs, 0.25):0.00}–{Percentile(pairs, 0.75):0.00}; " +
                          $"CPU ms per request, client + server: RLS {1000 * rlsCpu.Client / rls.Count:0.00} + {1000 * rlsCpu.Server / rls.Count:0.00}, " +
                          $"twin {1000 * plainCpu.Client / plain.Count:0.00} + {1000 * plainCpu.Server / plain.Count:0.00}");
        return new Comparison(rls, plain, rlsSeconds, plainSeconds);
    }

    /// <summary>Runs <paramref name="work"/> from <see cref="Clients"/> clients for the duration, each call in its own district scope; returns the seconds.</summary>
    public static async Task<double> MeasureAsync(IServiceProvider services, District district, Func<IServiceProvider, int, Task> work, TimeSpan duration,
        List<double> latencies, Cpu? cpu = null)
    {
        var next = Random.Shared.Next(1_000_000);
        var cpuStarted = cpu?.Seconds() ?? default;
        var started = Stopwatch.GetTimestamp();
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var call = Stopwatch.GetTimestamp();
                var i = Interlocked.Increment(ref next);
                await DistrictScope.RunAsync(services, district, async scope => { await work(scope, i); return 0; });
                mine.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
            }
            return mine;
        })).ToList();
        foreach (var list in await Task.WhenAll(clients)) latencies.AddRange(list);
        var seconds = Seconds(started);
        if (cpu != null)
        {
            var (client, server) = cpu.Seconds();
            (cpu.Client, cpu.Server) = (cpu.Client + client - cpuStarted.Client, cpu.Server + server - cpuStarted.Server);
        }
        return seconds;
    }

    /// <summary>
    /// CPU seconds used by this process (the client: services, EF, Npgsql) and by the cluster's client backends (the
    /// postmaster's children serving a connection; not its checkpointer, autovacuum and other background processes), so
    /// a variant's work per request is known apart from the shared machine's load.
    /// </summary>
    public sealed class Cpu(string pgData)
    {
        public double Client { get; set; }
        public double Server { get; set; }

        public (double Client, double Server) Seconds()
        {
            var client = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            if (!OperatingSystem.IsLinux()) return (client, 0);
            var postmaster = File.ReadLines(Path.Combine(pgData, "postmaster.pid")).First().Trim();
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!char.IsAsciiDigit(Path.GetFileName(dir)[0])) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": state ppid ... utime(12) stime(13)
                    if (fields[1] != postmaster || !File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(" lmscloud ")) continue; // "postgres: user db host(port) ..."
                    ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
                }
                catch (IOException) { } // the process ended meanwhile
            }
            return (client, ticks / 100.0); // USER_HZ
        }
    }

    public static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;

    public static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
