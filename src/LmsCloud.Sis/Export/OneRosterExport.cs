using Npgsql;

namespace LmsCloud.Sis.Export;

/// <summary>One file of the exported package and how many records (rows without the header) it holds.</summary>
public sealed record OneRosterFile(string FileName, long Records);

/// <summary>The district's roster as a OneRoster 1.2 CSV package that our own importer re-imports with zero changes.</summary>
public static class OneRosterExport
{
    /// <summary>
    /// Writes the district's roster as a OneRoster 1.2 CSV package: manifest.csv and one file per entity, each to the
    /// stream <paramref name="createFile"/>(name) gives.
    /// </summary>
    /// <param name="connection">An open tenant session of the district (it may be inside a transaction).</param>
    public static Task<IReadOnlyList<OneRosterFile>> WriteAsync(NpgsqlConnection connection, Func<string, Stream> createFile, CancellationToken ct) =>
        throw new NotImplementedException("OneRoster export: in progress on branch oneroster-export");
}
