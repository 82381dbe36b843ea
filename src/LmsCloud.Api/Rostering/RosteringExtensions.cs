using LmsCloud.Core.Districts;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;
using Quartz;

namespace LmsCloud.Api.Rostering;

public static class RosteringExtensions
{
    /// <summary>The import queue and its workers, the inbox, and Quartz for the nightly imports.</summary>
    public static IServiceCollection AddRostering(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SisOptions>(configuration.GetSection("Sis"));
        // Uploads are read with MultipartReader, not the form reader; this keeps any form reading within the same limit.
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = configuration.GetValue("Sis:MaxUploadBytes", new SisOptions().MaxUploadBytes));

        services.AddSis();
        services.AddSingleton<ImportQueue>();
        services.AddHostedService<ImportWorker>();
        services.AddSingleton<SisInbox>();
        services.AddSingleton<NightlyImport>();
        services.AddSingleton<NightlyImportTriggers>();
        // The schedule's reads and changes (API and pages) follow Quartz through these two calls; the job stays here.
        services.AddSingleton(sp =>
        {
            var triggers = sp.GetRequiredService<NightlyImportTriggers>();
            return new NightlyScheduleTriggers(triggers.SyncAsync, triggers.NextFireTimeAsync);
        });
        services.AddScoped<NightlySchedule>();
        // A district's time-zone change (API or page, through DistrictSettings) reschedules its nightly import.
        services.AddSingleton<IDistrictTimeZoneFollower>(sp => sp.GetRequiredService<NightlyImportTriggers>());

        // Clustered job store in our database (tables from migration 0006): every node runs a scheduler, and each
        // trigger fires on one node only. Connections come from the application role's data source.
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "LmsCloud"; // the cluster: every node must use the same name
                o.GenerateInstanceId = true;  // and a name of its own
                // How long an idle node waits before looking for due triggers of other nodes' making again.
                o.IdleWaitTime = configuration.GetValue("Sis:SchedulerIdleWaitTime", TimeSpan.FromSeconds(30));
            });
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(source => source.DataSourceFactory = sp => sp.GetRequiredService<NpgsqlDataSource>());
                store.ConfigureStore(o => o.TablePrefix = "qrtz_");
                store.UseClustering();
                store.UseSystemTextJsonSerializer();
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<NightlyImportTriggerSync>();
        return services;
    }

    public static IEndpointRouteBuilder MapRosteringEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapImportEndpoints();
        app.MapInboxEndpoints();
        app.MapScheduleEndpoints();
        app.MapRosterEndpoints();
        return app;
    }
}
