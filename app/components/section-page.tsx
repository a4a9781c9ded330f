import { EmptyState, PageHeader } from "./ui";

/** A section of the admin panel that has nothing to show yet. */
export function EmptySectionPage({ title, description, emptyTitle, children }: { title: string; description: string; emptyTitle: string; children: React.ReactNode }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <EmptyState title={emptyTitle}>{children}</EmptyState>
    </>
  );
}
