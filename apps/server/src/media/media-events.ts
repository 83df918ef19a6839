import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import { MediaAsset } from './media-asset.entity';

/** Each change of an asset's conversion (progress, ready, failed, cancelled), for the staff's live view. */
@Injectable()
export class MediaEvents {
  private readonly subject = new Subject<MediaAsset>();

  emit(asset: MediaAsset): void {
    this.subject.next(asset);
  }

  of(assetId: string): Observable<MediaAsset> {
    return this.subject.pipe(filter((a) => a.id === assetId));
  }
}
