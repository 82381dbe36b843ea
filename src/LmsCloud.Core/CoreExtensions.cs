using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core;

public static class CoreExtensions
{
    /// <summary>
    /// What every host registers (the API, lms, the benchmarks): the database, tenancy, the audit log, accounts,
    /// file storage and the roster reads. Each host adds only what is its own (HTTP pipeline, token validation, endpoints, commands).
    /// </summary>
    public static IServiceCollection AddLmsCore(this IServiceCollection services, IConfiguration configuration) => services
        .AddLmsDatabase(configuration)
        .AddTenancy()
        .AddDistricts()
        .AddAudit()
        .AddUsers(configuration)
        .AddFileStorage(configuration)
        .AddRoster()
        .AddCompliance()
        .AddErasure()
        .AddHoldsAndRetention();
}
