using System.Text.RegularExpressions;
using LmsCloud.Core.Database;

namespace LmsCloud.Tests.Sis;

/// <summary>One way to start an import run, and the engine as the only writer of import_runs.</summary>
public sealed partial class ImportRunsTests
{
    static readonly string Src = Path.Combine(DataFolder.CheckoutRoot(), "src");

    static IEnumerable<(string File, string Text)> SourcesOutside(string project) =>
        Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => !f.StartsWith(Path.Combine(Src, project) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(Src, f), File.ReadAllText(f)));

    [Fact]
    public void Only_the_engine_writes_import_runs()
    {
        Assert.Empty(SourcesOutside("LmsCloud.Sis").Where(s => ImportRunsWrite().IsMatch(s.Text)).Select(s => s.File));
    }

    [Fact]
    public void Every_host_starts_runs_through_ImportRuns_not_the_engine_itself()
    {
        Assert.Empty(SourcesOutside("LmsCloud.Sis")
            .Where(s => s.Text.Contains("RosterImporter.CreateRunAsync", StringComparison.Ordinal) ||
                        s.Text.Contains("new RosterImporter(", StringComparison.Ordinal))
            .Select(s => s.File));
    }

    [GeneratedRegex(@"\b(update\s+import_runs\b|insert\s+into\s+import_runs\b|delete\s+from\s+import_runs\b)", RegexOptions.IgnoreCase)]
    private static partial Regex ImportRunsWrite();
}
