using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using Npgsql;

namespace LmsCloud.Cli;

/// <summary><c>lms db ...</c></summary>
public static class DatabaseCommands
{
    public static async Task<int> MigrateAsync(CliContext context, CommandLine command)
    {
        command.NoMore(2);
        var owner = context.ConnectionStrings.Owner
            ?? throw new InvalidOperationException("ConnectionStrings__Owner is not set: migrations run as the owner role.");
        var applied = await MigrationRunner.ApplyAsync(owner);
        foreach (var name in applied) context.Out.WriteLine($"applied {name}");
        context.Out.WriteLine($"schema up to date ({MigrationRunner.Embedded.Count} migrations, {applied.Count} applied now)");
        return 0;
    }

    public static async Task<int> InfoAsync(CliContext context, CommandLine command)
    {
        command.NoMore(2);
        var strings = context.ConnectionStrings;
        context.Out.WriteLine($"app   (role {DatabaseRoles.App}):   {strings.App}");
        context.Out.WriteLine($"owner (role {DatabaseRoles.Owner}): {strings.Owner ?? "(not configured)"}");
        var app = new NpgsqlConnectionStringBuilder(strings.App);
        context.Out.WriteLine($"psql: PGPASSWORD=<password above> psql -h {app.Host} -p {app.Port} -U {app.Username} {app.Database}");
        await using var conn = new NpgsqlConnection(strings.Owner ?? strings.App);
        await conn.OpenAsync();
        var applied = await MigrationRunner.AppliedAsync(conn);
        var pending = MigrationRunner.Embedded.Count(m => !applied.ContainsKey(m.Version));
        context.Out.WriteLine($"schema: {applied.Count} migrations applied, {pending} pending");
        return 0;
    }

    public static int Stop(CliContext context, CommandLine command)
    {
        command.NoMore(2);
        var stopped = EmbeddedPostgres.Stop(DataFolder.EmbeddedOptions(context.Configuration));
        context.Out.WriteLine(stopped ? "local PostgreSQL stopped" : "no local PostgreSQL cluster here");
        return 0;
    }
}
