using LmsCloud.Api.Database;
using LmsCloud.Api.Districts;
using LmsCloud.Api.Http;
using LmsCloud.Api.Tenancy;

var builder = WebApplication.CreateBuilder(args);
if (!builder.Environment.IsDevelopment())
    builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);

builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDetailsDefaults.Customize);
builder.Services.AddOpenApi();
builder.Services.AddLmsDatabase();
builder.Services.AddTenancy(builder.Configuration);

var app = builder.Build();
app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ProblemDetailsDefaults.StatusCodeFor });
app.UseStatusCodePages();
app.UseMiddleware<RequestLoggingMiddleware>();
app.UseRouting();
app.UseMultiTenant();

app.MapOpenApi().ExcludeFromMultiTenantResolution();
app.MapHealthEndpoints();
app.MapDistrictEndpoints();

try
{
    await app.PrepareDatabaseAsync();
}
catch (PostgresNotInstalledException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
await app.RunAsync();
return 0;

public partial class Program;
