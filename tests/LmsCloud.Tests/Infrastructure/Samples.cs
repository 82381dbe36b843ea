using System.Collections.Concurrent;
using System.IO.Compression;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>The sample packages in samples/rosters, found from the test's build output, and zipped once per test run.</summary>
public static class Samples
{
    public static readonly string Root = FindRoot();

    static readonly ConcurrentDictionary<string, string> Zips = new();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LmsCloud.sln")))
                return System.IO.Path.Combine(dir.FullName, "samples", "rosters");
        throw new DirectoryNotFoundException("samples/rosters not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The folder of one sample package.</summary>
    public static string Path(string name) => System.IO.Path.Combine(Root, name);

    /// <summary>The sample folder as a zip with the CSV files at its root.</summary>
    public static string Zip(string name) => Zips.GetOrAdd(name, sample =>
    {
        var zip = System.IO.Path.Combine(Directory.CreateTempSubdirectory("roster-zip-").FullName, sample + ".zip");
        ZipFile.CreateFromDirectory(Path(sample), zip);
        return zip;
    });
}
