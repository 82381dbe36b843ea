using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace LmsCloud.Core.Database;

/// <summary>
/// One numbered SQL file from <c>Database/Migrations</c>, embedded in the assembly, with its include directives
/// expanded; <see cref="Includes"/> names what was spliced in (for the error message when a package changed it).
/// </summary>
public sealed record Migration(string Version, string Name, string Sql, string Checksum, IReadOnlyList<string> Includes);

/// <summary>
/// Applies the embedded numbered SQL migrations in order, as the owner role, one transaction per file, and records
/// each in <c>schema_migrations</c> with a SHA-256 checksum. Chosen over EF Core migrations because roles, grants, RLS
/// policies, triggers and Quartz's schema are SQL anyway (docs/decisions/0004-sql-migrations-instead-of-ef-migrations.md).
/// </summary>
public static class MigrationRunner
{
    // Serialises migrators (two API nodes starting together) without blocking the application role.
    const long AdvisoryLockKey = 0x4C4D53_4D49_47; // "LMS MIG"

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies what is missing and returns the names applied. Throws when an applied file was edited.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string ownerConnectionString, CancellationToken ct = default)
    {
        await using var conn = DatabaseConnectionStrings.Unpooled(ownerConnectionString);
        await conn.OpenAsync(ct);
        await ExecAsync(conn, $"select pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await ExecAsync(conn, """
                create table if not exists schema_migrations (
                  version    text primary key,
                  name       text not null,
                  checksum   text not null,
                  applied_at timestamptz not null default now())
                """, ct);
            var applied = await AppliedAsync(conn, ct);
            var done = new List<string>();
            foreach (var migration in Embedded)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        throw new InvalidOperationException(migration.Includes.Count == 0
                            ? $"Migration {migration.Name} was edited after it was applied (checksum {checksum[..12]} in the " +
                              $"database, {migration.Checksum[..12]} in the file). Add a new migration instead."
                            : $"Migration {migration.Name} was edited after it was applied, or a package it includes " +
                              $"({string.Join(", ", migration.Includes)}) now ships a different script (checksum {checksum[..12]} in " +
                              $"the database, {migration.Checksum[..12]} now). Add a new migration that brings the tables up to date.");
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                await ExecAsync(conn, migration.Sql, ct);
                await using (var record = new NpgsqlCommand(
                    "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)", conn))
                {
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.Name);
                    record.Parameters.AddWithValue(migration.Checksum);
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                done.Add(migration.Name);
            }
            return done;
        }
        finally
        {
            await ExecAsync(conn, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    /// <summary>Applied versions and their checksums (empty when nothing was ever applied).</summary>
    public static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection conn, CancellationToken ct = default)
    {
        var result = new Dictionary<string, string>();
        await using var cmd = new NpgsqlCommand(
            "select version, checksum from schema_migrations", conn);
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) result[reader.GetString(0)] = reader.GetString(1);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }
        return result;
    }

    static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    static IReadOnlyList<Migration> LoadEmbedded()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(resource =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                var name = resource["Migrations/".Length..];
                var (sql, includes) = ExpandIncludes(name, Normalize(reader.ReadToEnd()));
                var checksum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql))).ToLowerInvariant();
                return new Migration(name.Split('_')[0], name, sql, checksum, includes);
            })
            .OrderBy(m => m.Version, StringComparer.Ordinal)
            .ToList();
    }

    // A Windows checkout must not change the checksum.
    static string Normalize(string sql) => sql.Replace("\r\n", "\n");

    const string IncludeDirective = "--@include-resource ";

    /// <summary>
    /// Replaces each line <c>--@include-resource Assembly Resource {0}=a {1}=b</c> with that embedded resource of that
    /// assembly, placeholders substituted. For DDL a package ships for its own version (Quartz's job store), which we
    /// run as a migration rather than copy by hand: the checksum is taken over the expanded text, so it stays meaningful.
    /// </summary>
    static (string Sql, IReadOnlyList<string> Includes) ExpandIncludes(string migration, string sql)
    {
        if (!sql.Contains(IncludeDirective, StringComparison.Ordinal)) return (sql, []);
        var includes = new List<string>();
        var lines = sql.Split('\n').Select(line =>
        {
            if (!line.StartsWith(IncludeDirective, StringComparison.Ordinal)) return line;
            var parts = line[IncludeDirective.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) throw new InvalidOperationException($"{migration}: '{line}' needs an assembly and a resource name.");
            var assembly = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName(parts[0]));
            using var stream = assembly.GetManifestResourceStream(parts[1])
                ?? throw new InvalidOperationException($"{migration}: {parts[0]} {assembly.GetName().Version} has no resource {parts[1]}.");
            var text = Normalize(new StreamReader(stream).ReadToEnd());
            foreach (var replacement in parts.Skip(2))
            {
                var (placeholder, value) = (replacement.Split('=', 2)[0], replacement.Split('=', 2).ElementAtOrDefault(1));
                if (value == null) throw new InvalidOperationException($"{migration}: '{replacement}' is not placeholder=value.");
                text = text.Replace(placeholder, value, StringComparison.Ordinal);
            }
            includes.Add($"{parts[0]} {assembly.GetName().Version}: {parts[1]}");
            return text;
        }).ToList();
        return (string.Join('\n', lines), includes);
    }
}
