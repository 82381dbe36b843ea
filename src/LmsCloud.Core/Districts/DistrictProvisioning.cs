using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Npgsql;

namespace LmsCloud.Core.Districts;

/// <summary>A provisioning request that cannot be carried out; the message is one line for an operator.</summary>
public sealed class DistrictProvisioningException(string message) : Exception(message);

public sealed record DistrictSummary(Guid Id, string Slug, string Name, DistrictStatus Status, DateTimeOffset CreatedAt);

/// <summary>
/// Platform operations on districts: create, list, suspend and resume (used by the CLI and the dev seed). Changing
/// <c>tenants</c> is the owner's alone (migration 0007), so create, suspend and resume connect as the owner; listing
/// reads as anyone may.
/// </summary>
public static class DistrictProvisioning
{
    // Subdomains we keep for ourselves.
    static readonly HashSet<string> ReservedSlugs = ["www", "api", "app", "admin", "platform", "status", "mail", "static"];

    public static async Task<DistrictSummary> CreateAsync(DatabaseConnectionStrings strings, string slug, string name, string? timeZone,
        CancellationToken ct = default)
    {
        if (!District.SlugPattern().IsMatch(slug) || slug.Length < 2)
            throw new DistrictProvisioningException(
                $"Invalid slug '{slug}': use 2-63 lowercase letters, digits and inner hyphens (it becomes the subdomain).");
        if (ReservedSlugs.Contains(slug))
            throw new DistrictProvisioningException($"The slug '{slug}' is reserved.");
        if (DistrictRules.CheckName(name) is { } nameError)
            throw new DistrictProvisioningException($"Invalid name: {nameError}");
        timeZone ??= "UTC";
        if (DistrictRules.CheckTimeZone(timeZone) is { } zoneError)
            throw new DistrictProvisioningException($"Invalid time zone: {zoneError}");

        var id = Guid.CreateVersion7();
        await using var conn = await OpenAsOwnerAsync(strings, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("insert into tenants (id, slug, name) values ($1, $2, $3) returning created_at")
                    { Parameters = { new() { Value = id }, new() { Value = slug }, new() { Value = name.Trim() } } },
                // The profile is a tenant row, and FORCE RLS binds the owner too: the district goes in the setting, local
                // to this transaction.
                TenantSession.BatchCommand(id, transactionLocal: true),
                new NpgsqlBatchCommand("insert into district_profiles (tenant_id, display_name, time_zone) values ($1, $2, $3)")
                    { Parameters = { new() { Value = id }, new() { Value = name.Trim() }, new() { Value = timeZone } } },
            },
        };
        DateTimeOffset createdAt;
        try
        {
            createdAt = (DateTime)(await batch.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DistrictProvisioningException($"A district with slug '{slug}' already exists.");
        }
        await tx.CommitAsync(ct);
        return new DistrictSummary(id, slug, name.Trim(), DistrictStatus.Active, createdAt);
    }

    public static async Task<IReadOnlyList<DistrictSummary>> ListAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("select id, slug, name, status, created_at from tenants order by slug");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new List<DistrictSummary>();
        while (await reader.ReadAsync(ct))
            result.Add(new DistrictSummary(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                Enum.Parse<DistrictStatus>(reader.GetString(3), ignoreCase: true), reader.GetFieldValue<DateTimeOffset>(4)));
        return result;
    }

    public static async Task SetStatusAsync(DatabaseConnectionStrings strings, string slug, DistrictStatus status, CancellationToken ct = default)
    {
        await using var conn = await OpenAsOwnerAsync(strings, ct);
        await using var cmd = new NpgsqlCommand("update tenants set status = $1, updated_at = now() where slug = $2", conn);
        cmd.Parameters.Add(new() { Value = status.ToString().ToLowerInvariant() });
        cmd.Parameters.Add(new() { Value = slug });
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            throw new DistrictProvisioningException($"No district has the slug '{slug}'.");
    }

    /// <summary>An owner connection, outside the pool as for migrations.</summary>
    static async Task<NpgsqlConnection> OpenAsOwnerAsync(DatabaseConnectionStrings strings, CancellationToken ct)
    {
        if (strings.Owner is not { } owner)
            throw new DistrictProvisioningException(
                "Changing districts needs the owner's connection string (ConnectionStrings__Owner, role lms_owner); the application role may only read them.");
        var conn = DatabaseConnectionStrings.Unpooled(owner);
        try
        {
            await conn.OpenAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }
}
