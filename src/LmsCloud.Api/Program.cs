using LmsCloud.Api.Audit;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Compliance;
using LmsCloud.Api.Database;
using LmsCloud.Api.Districts;
using LmsCloud.Api.Http;
using LmsCloud.Api.Integrations;
using LmsCloud.Api.Learning;
using LmsCloud.Api.Rostering;
using LmsCloud.Api.Sso;
using LmsCloud.Api.Tenancy;
using LmsCloud.Api.Users;
using LmsCloud.Core;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Passback;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Database.Local;
using LmsCloud.Web;

var builder = WebApplication.CreateBuilder(args);
if (!builder.Environment.IsDevelopment())
    builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);

builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDetailsDefaults.Customize);
builder.Services.AddOpenApi();
builder.Services.AddLmsCore(builder.Configuration);
builder.Services.AddHostTenancy(builder.Configuration);
builder.Services.AddTokenAuthentication(builder.Configuration);
builder.Services.AddRostering(builder.Configuration);
builder.Services.AddIntegrationClients();
builder.Services.AddNightlyRetention();
builder.Services.AddDistrictSso(builder.Configuration);
builder.Services.AddComplianceExportJob(builder.Configuration, builder.Environment);
builder.Services.AddErasureProcessing(builder.Configuration);
builder.Services.AddCourseShells(builder.Configuration);
builder.Services.AddAssignments();
builder.Services.AddGrades();
builder.Services.AddQuizzes();
builder.Services.AddGradebook();
builder.Services.AddPassback();
builder.Services.AddSubmissions();
builder.Services.AddProgressRollup();
builder.Services.AddCatalogReconcile();
builder.Services.AddScoreRefresh();
builder.Services.AddLearningAnalytics();
builder.Services.AddLmsWeb(BrowserSessions.SchemeName);

var app = builder.Build();
app.UseServerTiming(); // first, so the duration counts the whole request
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    StatusCodeSelector = ProblemDetailsDefaults.StatusCodeFor,
    SuppressDiagnosticsCallback = ProblemDetailsDefaults.SuppressDiagnostics,
});
app.UseStatusCodePages(WebExtensions.StatusCodePageAsync);
app.UseMiddleware<RequestLoggingMiddleware>();
app.UseRouting();
app.UseLmsWebAssets();
// Pages fail with a friendly page without details; API and OAuth endpoints keep the problem document above.
app.UseWhen(WebExtensions.IsPageRequest, page => page.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorPages.ServerErrorAsync }));
app.UseMultiTenant();
app.UseSignInFormBuffering();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi().ExcludeFromMultiTenantResolution().AllowAnonymous();
app.MapHealthEndpoints();
app.MapTokenEndpoint();
app.MapAccountEndpoints();
app.MapAuthorizeEndpoints();
app.MapConsentEndpoints();
app.MapDistrictEndpoints();
app.MapUserEndpoints();
app.MapIntegrationClientEndpoints();
app.MapAuditEndpoints();
app.MapRosteringEndpoints();
app.MapSsoEndpoints();
app.MapComplianceEndpoints();
app.MapComplianceExportEndpoints();
app.MapLegalHoldEndpoints();
app.MapRetentionEndpoints();
app.MapCertificateEndpoints();
app.MapProgressEndpoints();
app.MapCatalogEndpoints();
app.MapShellEndpoints();
app.MapAssignmentEndpoints();
app.MapQuizEndpoints();
app.MapGradebookEndpoints();
app.MapOneRosterGradebookEndpoints();
app.MapGradingPolicyEndpoints();
app.MapSubmissionEndpoints();
app.MapAnalyticsEndpoints();
app.MapCourseCertificateEndpoints();
app.MapLmsWeb();

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
