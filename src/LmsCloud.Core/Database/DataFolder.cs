using LmsCloud.Core.Database.Local;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Core.Database;

/// <summary>
/// The one local data folder (<c>Database:DataDirectory</c>, default <c>.data</c> beside <c>LmsCloud.sln</c>): the
/// embedded cluster and its credentials, the development signing key and the local file storage live under it.
/// </summary>
public static class DataFolder
{
    public static string Resolve(IConfiguration configuration) => Of(EmbeddedOptions(configuration));

    /// <summary>The data folder these settings name, or the default.</summary>
    public static string Of(EmbeddedPostgresOptions options) => Path.GetFullPath(options.DataDirectory ?? Default());

    /// <summary>Settings of the embedded cluster (section <c>Database</c>), which also name the data folder.</summary>
    public static EmbeddedPostgresOptions EmbeddedOptions(IConfiguration configuration) =>
        configuration.GetSection("Database").Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();

    /// <summary><c>.data</c> in the checkout.</summary>
    public static string Default() => Path.Combine(CheckoutRoot(), ".data");

    /// <summary>The folder holding <c>LmsCloud.sln</c>, found by walking up from the build output, else from the working folder.</summary>
    public static string CheckoutRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LmsCloud.sln")))
                    return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
