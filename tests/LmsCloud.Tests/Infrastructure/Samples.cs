using System.Collections.Concurrent;
using System.IO.Compression;
using LmsCloud.Core.Database;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>The sample packages in samples/rosters, found from the test's build output, and zipped once per test run.</summary>
public static class Samples
{
    public static readonly string Root = System.IO.Path.Combine(DataFolder.CheckoutRoot(), "samples", "rosters");

    static readonly ConcurrentDictionary<string, string> Zips = new();

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
