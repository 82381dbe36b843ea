namespace LmsCloud.Tests.Infrastructure;

/// <summary>The sample packages in samples/rosters, found from the test's build output.</summary>
public static class Samples
{
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LmsCloud.sln")))
                return System.IO.Path.Combine(dir.FullName, "samples", "rosters", name);
        throw new DirectoryNotFoundException("samples/rosters not found above " + AppContext.BaseDirectory);
    }
}
