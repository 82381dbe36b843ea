using LmsCloud.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace LmsCloud.Tests.Database;

/// <summary>
/// EF Core maps entities onto tables our SQL migrations create, with no EF migrations to keep the two in step. This
/// walks the EF model and checks every mapped entity against the live catalog: table, columns, types, nullability and
/// primary key, so a renamed column or a forgotten mapping fails here rather than at a user's first request.
/// </summary>
public sealed class ModelMatchesSchemaTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    sealed record Column(string Type, bool Nullable);

    [Fact]
    public async Task Every_mapped_entity_matches_its_table()
    {
        await using var context = db.CreateContext(null);
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        Assert.True(context.Model.GetEntityTypes().Count() >= 18, "the model lost entities");
        Assert.Empty(await MismatchesAsync(context.Model, conn, null));
    }

    [Fact]
    public async Task The_check_reports_a_missing_column_a_wrong_type_a_nullability_and_a_key_change()
    {
        await using var context = db.CreateContext(null);
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the schema is left as it was
        await using (var cmd = new NpgsqlCommand("""
            alter table district_profiles rename column locale to language;
            alter table integration_clients alter column name type varchar(50);
            alter table password_reset_tokens alter column used_at set not null;
            alter table sis_schedules drop constraint sis_schedules_pkey, add primary key (tenant_id, enabled);
            """, conn, tx))
            await cmd.ExecuteNonQueryAsync();

        var mismatches = await MismatchesAsync(context.Model, conn, tx);

        Assert.Contains("DistrictProfile.Locale: district_profiles has no column locale", mismatches);
        Assert.Contains("IntegrationClient.Name: mapped as text, integration_clients.name is varchar", mismatches);
        Assert.Contains("PasswordResetToken.UsedAt: nullable in C#, password_reset_tokens.used_at is not null", mismatches);
        Assert.Contains("SisSchedule: key (tenant_id), sis_schedules has (tenant_id, enabled)", mismatches);
        Assert.Equal(4, mismatches.Count);
    }

    static async Task<List<string>> MismatchesAsync(IModel model, NpgsqlConnection conn, NpgsqlTransaction? tx)
    {
        var problems = new List<string>();
        foreach (var entity in model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var columns = await ColumnsAsync(conn, table, tx);
            if (columns.Count == 0)
            {
                problems.Add($"{entity.ClrType.Name}: table {table} does not exist");
                continue;
            }
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            foreach (var property in entity.GetProperties())
            {
                var name = property.GetColumnName(store)!;
                if (!columns.TryGetValue(name, out var column))
                {
                    problems.Add($"{entity.ClrType.Name}.{property.Name}: {table} has no column {name}");
                    continue;
                }
                var mappedType = Normalize(property.GetRelationalTypeMapping().StoreType);
                if (mappedType != column.Type)
                    problems.Add($"{entity.ClrType.Name}.{property.Name}: mapped as {mappedType}, {table}.{name} is {column.Type}");
                if (!property.IsNullable && column.Nullable)
                    problems.Add($"{entity.ClrType.Name}.{property.Name}: not nullable in C#, {table}.{name} allows null");
                if (property.IsNullable && !column.Nullable && !property.IsKey())
                    problems.Add($"{entity.ClrType.Name}.{property.Name}: nullable in C#, {table}.{name} is not null");
            }
            // OpenIddict's entities key on id alone in EF, their tables on (tenant_id, id): the annotation names the table's key.
            var efKey = entity.FindAnnotation(LmsCloud.Core.Auth.OpenIddictModel.TableKeyAnnotation)?.Value is string tableKey
                ? tableKey.Split(", ").ToList()
                : entity.FindPrimaryKey()!.Properties.Select(p => p.GetColumnName(store)!).ToList();
            var dbKey = await PrimaryKeyAsync(conn, table, tx);
            if (!efKey.SequenceEqual(dbKey))
                problems.Add($"{entity.ClrType.Name}: key ({string.Join(", ", efKey)}), {table} has ({string.Join(", ", dbKey)})");
        }
        return problems;
    }

    static string Normalize(string type) => type switch
    {
        "timestamp with time zone" => "timestamptz",
        "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "boolean" => "bool",
        "text[]" => "_text",
        "uuid[]" => "_uuid",
        "double precision" => "float8",
        _ => type,
    };

    static async Task<Dictionary<string, Column>> ColumnsAsync(NpgsqlConnection conn, string table, NpgsqlTransaction? tx)
    {
        await using var cmd = new NpgsqlCommand("""
            select column_name, udt_name, is_nullable = 'YES'
            from information_schema.columns where table_schema = 'public' and table_name = $1
            """, conn, tx);
        cmd.Parameters.AddWithValue(table);
        await using var reader = await cmd.ExecuteReaderAsync();
        var columns = new Dictionary<string, Column>();
        while (await reader.ReadAsync()) columns[reader.GetString(0)] = new Column(reader.GetString(1), reader.GetBoolean(2));
        return columns;
    }

    static async Task<List<string>> PrimaryKeyAsync(NpgsqlConnection conn, string table, NpgsqlTransaction? tx)
    {
        await using var cmd = new NpgsqlCommand("""
            select a.attname
            from pg_index i
            join lateral unnest(i.indkey) with ordinality as k(attnum, ord) on true
            join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
            where i.indrelid = $1::regclass and i.indisprimary
            order by k.ord
            """, conn, tx);
        cmd.Parameters.AddWithValue(table);
        var key = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) key.Add(reader.GetString(0));
        return key;
    }
}
