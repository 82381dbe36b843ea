namespace LmsCloud.Cli;

/// <summary>
/// The one progress bar of the CLI: a live bar (percent, counts, phase) redrawn in place on a terminal, plain lines (one
/// per phase and every 10%) when the output is redirected, so logs and scripts get a readable record.
/// </summary>
public sealed class TerminalProgress(TextWriter output, bool interactive)
{
    const int Width = 30;
    string? _phase;
    int _printed = -1;
    bool _drawn;

    /// <summary>A bar on <see cref="CliContext.Out"/>, live only when that is the console and the console is a terminal.</summary>
    public static TerminalProgress For(CliContext context) =>
        new(context.Out, interactive: ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected);

    /// <param name="percent">0 to 100 (clamped).</param>
    /// <param name="counts">What is done of what, e.g. "3/12 parts, 4,200 rows"; may be empty.</param>
    /// <param name="phase">What is being done; a new phase prints a new line when redirected.</param>
    public void Report(int percent, string counts, string? phase = null)
    {
        percent = Math.Clamp(percent, 0, 100);
        var text = string.Join(' ', new[] { $"{percent,3}%", phase, counts }.Where(s => !string.IsNullOrEmpty(s)));
        if (interactive)
        {
            var filled = percent * Width / 100;
            output.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {text,-60}");
            _drawn = true;
            return;
        }
        if (phase == _phase && percent / 10 == _printed / 10) return;
        (_phase, _printed) = (phase, percent);
        output.WriteLine(text);
    }

    /// <summary>
    /// An <see cref="IProgress{T}"/> that reports at once, on the caller's thread (unlike <see cref="Progress{T}"/>, which
    /// posts, so a report could land after <see cref="Done"/>).
    /// </summary>
    public IProgress<T> Of<T>(Func<T, (int Percent, string Counts, string? Phase)> describe) => new Reporter<T>(v =>
    {
        var (percent, counts, phase) = describe(v);
        Report(percent, counts, phase);
    });

    /// <summary>Ends the live bar's line (nothing when redirected).</summary>
    public void Done()
    {
        if (interactive && _drawn) output.WriteLine();
    }

    sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
