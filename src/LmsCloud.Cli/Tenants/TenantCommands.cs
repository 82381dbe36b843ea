using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms tenants ...</c>: provision and suspend districts, as the owner (the application role may only read them).
/// A running API picks changes up at once.
/// </summary>
public static class TenantCommands
{
    public static async Task<int> CreateAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("slug");
        var name = command.Required("name");
        var timeZone = command.Optional("time-zone");
        command.NoMore(2);
        await context.ServicesAsync(); // applies pending migrations first
        var district = await DistrictProvisioning.CreateAsync(context.ConnectionStrings, slug, name, timeZone);
        context.Out.WriteLine($"created district {district.Slug} ({district.Id})");
        return 0;
    }

    public static async Task<int> ListAsync(CliContext context, CommandLine command)
    {
        command.NoMore(2);
        var db = (await context.ServicesAsync()).GetRequiredService<NpgsqlDataSource>();
        var districts = await DistrictProvisioning.ListAsync(db);
        context.Out.WriteLine($"{"SLUG",-24} {"STATUS",-10} {"CREATED",-17} NAME");
        foreach (var d in districts)
            context.Out.WriteLine($"{d.Slug,-24} {d.Status.ToString().ToLowerInvariant(),-10} {d.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm} {d.Name}");
        return 0;
    }

    public static async Task<int> SetStatusAsync(CliContext context, CommandLine command, DistrictStatus status)
    {
        var slug = command.Required("slug");
        command.NoMore(2);
        await context.ServicesAsync();
        await DistrictProvisioning.SetStatusAsync(context.ConnectionStrings, slug, status);
        context.Out.WriteLine($"district {slug} is {status.ToString().ToLowerInvariant()}");
        return 0;
    }
}
